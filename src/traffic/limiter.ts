// ctraffic's per-connection pacing: a token bucket in bytes (golang.org/x/time/rate semantics)
// with a burst of 10 packets. Tokens that pile up beyond one packet while a reply is late are
// the send slots ctraffic counts as Dropped.

/** A token bucket of `rate` bytes per second holding at most `burst` bytes. */
export class TokenBucket {
  private tokens: number
  private last: number

  constructor(
    private readonly bytesPerSec: number,
    private readonly burst: number,
    now = performance.now(),
  ) {
    this.tokens = burst
    this.last = now
  }

  private advance(now: number): void {
    const elapsed = Math.max(0, now - this.last)
    this.last = now
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.bytesPerSec)
  }

  /** Take n bytes now; returns how many ms to wait until they are due (0 when they were there). */
  reserve(n: number, now = performance.now()): number {
    this.advance(now)
    this.tokens -= n
    return this.tokens >= 0 ? 0 : (-this.tokens / this.bytesPerSec) * 1000
  }

  /** Take n bytes if the bucket holds them; false (and nothing taken) otherwise. */
  allow(n: number, now = performance.now()): boolean {
    this.advance(now)
    if (this.tokens < n) return false
    this.tokens -= n
    return true
  }

  /** Take whole packets of n bytes until fewer than n are left, as ctraffic does before its first send. */
  drain(n: number, now = performance.now()): void {
    while (this.allow(n, now));
  }
}
