/** Any valid impairment profile without a name: every knob optional, every value within its range. */
import fc from "fast-check"
import { MAX_BANDWIDTH_KBPS, MAX_BURST_LENGTH, MAX_DELAY_MS, MAX_REORDER_DEPTH, MAX_SESSION_TIME_MS } from "../../src/impair/knobs.js"
import { MAX_SEED } from "../../src/impair/knobValues.js"
import type { ImpairmentProfile } from "../../src/impair/profile.js"
import { RTSP_METHODS } from "../../src/protocol/rtsp/vocabulary.js"

// -0 is left out: it reads back as 0, which is the same knob but not the same double.
const nonNegative = (max: number) => fc.double({ min: 0, max, noNaN: true }).filter((x) => !Object.is(x, -0))
const share = fc.oneof(nonNegative(1), fc.integer({ min: 0, max: 10_000 }).map((n) => n / 10_000))
const delayMs = fc.integer({ min: 0, max: MAX_DELAY_MS })
const sessionMs = fc.oneof(fc.integer({ min: 0, max: MAX_SESSION_TIME_MS }), fc.integer({ min: 0, max: 1440 }).map((m) => m * 60_000))

export const profileArbitrary: fc.Arbitrary<ImpairmentProfile> = fc.record(
  {
    seed: fc.integer({ min: 0, max: MAX_SEED }),
    loss: share,
    burst: fc.record({ share, meanLength: fc.double({ min: 1, max: MAX_BURST_LENGTH, noNaN: true }) }),
    delay: fc.record({ meanMs: delayMs, jitterMs: delayMs }),
    reorder: fc.record({ share, depth: fc.integer({ min: 1, max: MAX_REORDER_DEPTH }) }),
    duplicate: share,
    bandwidthKbps: nonNegative(MAX_BANDWIDTH_KBPS).filter((kbps) => kbps > 0),
    frameDrop: share,
    closeAfterMs: sessionMs,
    replyDelayMs: sessionMs,
    answer: fc.record({ method: fc.constantFrom(...RTSP_METHODS), status: fc.integer({ min: 100, max: 599 }) }),
    freezeAfterMs: sessionMs,
    resetSequenceAfterMs: sessionMs,
    resetTimestampAfterMs: sessionMs
  },
  { requiredKeys: ["seed"] }
)
