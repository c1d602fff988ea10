// At most so many TCP dials in flight per worker. A larger storm overflows the server's accept
// queue (somaxconn, often 4096): the kernel drops the extra SYNs and each drop costs a 1 s SYN
// retransmit, which ctraffic's 1.5 s dial timeout then counts as a failed connect.

/** Dials one worker keeps in flight at most. */
export const MAX_DIALS_IN_FLIGHT = 1024

/** A counting gate: take() resolves when a place is free; give() frees one. */
export class DialGate {
  private inFlight = 0
  private readonly queue: Array<() => void> = []

  constructor(private readonly places = MAX_DIALS_IN_FLIGHT) {}

  /** Wait for a free place. */
  take(): Promise<void> {
    if (this.inFlight < this.places) {
      this.inFlight++
      return Promise.resolve()
    }
    return new Promise((resolve) => this.queue.push(resolve))
  }

  /** Free a place, handing it to the next waiter if there is one. */
  give(): void {
    const next = this.queue.shift()
    if (next) next()
    else this.inFlight--
  }
}
