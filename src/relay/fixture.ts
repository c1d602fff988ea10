// The relay and peer of the `fabric` fixture: what they start is stopped by closeAll().
import type { EventBus } from '../run/events.js'
import { type PeerOptions, type RelayPeer, startPeer } from './peer.js'
import { type Relay, type RelayOptions, startRelay } from './relay.js'

/** The relay part of the fabric fixture. */
export interface RelayFixture {
  relay(options: RelayOptions): Promise<Relay>
  peer(options?: PeerOptions): Promise<RelayPeer>
  closeAll(): Promise<void>
}

/** Creates relays and peers that publish on `events` and are all stopped by closeAll(). */
export function createRelayFixture(events: EventBus): RelayFixture {
  const relays = new Set<Relay>()
  const peers = new Set<RelayPeer>()
  return {
    async relay(options) {
      let withDefaults: RelayOptions = options
      if (options !== null && typeof options === 'object') {
        withDefaults = { events, ...options }
        // A proxy in front of a peer this fixture started: pin that peer's certificate, so TLS runs end to end.
        const through = (options.peer as { target?: { url?: unknown } } | undefined)?.target?.url
        const behind = [...peers].find((p) => p.url === through)
        if (options.fingerprint === undefined && behind?.fingerprint !== undefined) {
          withDefaults.fingerprint = behind.fingerprint
        }
      }
      const relay = await startRelay(withDefaults)
      relays.add(relay)
      return relay
    },
    async peer(options) {
      const withBus =
        options !== null && typeof options === 'object' ? { events, ...options } : (options ?? { events })
      const peer = await startPeer(withBus)
      peers.add(peer)
      return peer
    },
    async closeAll() {
      const started = [...relays]
      relays.clear()
      // A crash-stop first (never waits on a slow peer), then the store it made is removed.
      await Promise.all(
        started.map(async (r) => {
          await r.kill()
          await r.close()
        }),
      )
      const running = [...peers]
      peers.clear()
      await Promise.all(running.map((p) => p.kill()))
    },
  }
}
