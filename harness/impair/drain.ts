/**
 * Waiting out the packets the server still holds after PAUSE: it decides no packet after the
 * PAUSE, but sends the delayed ones as they fall due, each at most the record's largest delay
 * after its frame. So the wait ends once that delay (plus the server's release-timer slack) has
 * passed and nothing arrived for a short quiet spell, and is bounded however the network behaves.
 */
import { Duration, Effect } from "effect"

/** The server's release timer fires up to a few ms late (1 ms granularity, a busy event loop). */
export const RELEASE_SLACK_MS = 50
/** Nothing arrived for this long: the stream has drained. */
export const QUIET_MS = 100
/** The wait never goes on this much past the largest delay. */
export const DRAIN_BOUND_MS = 1000
const POLL_MS = 10

export interface DrainOutcome {
  /** From the start of the wait to its end. */
  readonly waitedMs: number
  /** False when the bound ended the wait with packets still coming. */
  readonly quiet: boolean
}

/**
 * Waits, from now, until `delayMaxMs` + RELEASE_SLACK_MS have passed and `packetsSeen()` has not
 * moved for QUIET_MS; at most `delayMaxMs` + DRAIN_BOUND_MS.
 */
export const awaitDrained = (packetsSeen: () => number, delayMaxMs: number): Effect.Effect<DrainOutcome> =>
  Effect.gen(function* () {
    const started = performance.now()
    const earliest = started + delayMaxMs + RELEASE_SLACK_MS
    const latest = started + delayMaxMs + DRAIN_BOUND_MS
    const polls = Math.ceil((latest - started) / POLL_MS) + 1
    let seen = packetsSeen()
    let lastChange = started
    for (let i = 0; i < polls; i++) {
      const now = performance.now()
      const count = packetsSeen()
      if (count !== seen) {
        seen = count
        lastChange = now
      }
      if (now >= earliest && now - lastChange >= QUIET_MS) return { waitedMs: now - started, quiet: true }
      if (now >= latest) break
      yield* Effect.sleep(Duration.millis(POLL_MS))
    }
    return { waitedMs: performance.now() - started, quiet: false }
  })
