/**
 * When a client was playing, as spans on its run's timeline (ms from the epoch): from each PLAY
 * sent to the PAUSE or TEARDOWN that stopped it, or the end-of-stream BYE. The recovery
 * expectation judges the frame rate only inside them.
 */
import type { PlayingSpan } from "../metrics/recovery.js"

export interface PlayingSpans {
  /** A PLAY was sent at this time (performance.now()) and answered; a span already open stays as it is. */
  readonly started: (sentAtMs: number) => void
  /** Playing stopped now (a span not open: nothing). */
  readonly stopped: () => void
  /** Every span, one still open ending now. */
  readonly spans: () => ReadonlyArray<PlayingSpan>
}

export const makePlayingSpans = (epochMs: number): PlayingSpans => {
  const closed: Array<PlayingSpan> = []
  let openFrom: number | undefined
  const now = (): number => performance.now() - epochMs
  return {
    started: (sentAtMs) => {
      if (openFrom === undefined) openFrom = sentAtMs - epochMs
    },
    stopped: () => {
      if (openFrom === undefined) return
      closed.push({ fromMs: openFrom, untilMs: now() })
      openFrom = undefined
    },
    spans: () => (openFrom === undefined ? [...closed] : [...closed, { fromMs: openFrom, untilMs: now() }])
  }
}
