/**
 * The load-shedding policy: how late frames go out, all sessions together,
 * and when that refuses new sessions rather than degrading everyone.
 */
import { Effect } from "effect"
import { ServerSaturated, SessionLimitReached } from "./errors.js"

export interface LoadTracker {
  /** Moving average of (send time - due time) over recent frames, in ms. */
  latenessMs: number
}

export const makeLoadTracker = (): LoadTracker => ({ latenessMs: 0 })

/** Weight of the newest frame in the lateness average: about the last 100 frames count. */
const LATENESS_WEIGHT = 0.01

export const recordLateness = (load: LoadTracker, latenessMs: number): void => {
  load.latenessMs += (Math.max(0, latenessMs) - load.latenessMs) * LATENESS_WEIGHT
}

/** Above this average lateness the server is saturated: SETUP is refused (453) rather than degrading everyone. */
export const OVERLOAD_LATENESS_MS = 20

/** Whether one more session may start: under the configured limit, and the server keeping up. */
export const admitSession = (
  load: LoadTracker,
  liveSessions: number,
  maxSessions: number
): Effect.Effect<void, SessionLimitReached | ServerSaturated> => {
  if (liveSessions >= maxSessions) return Effect.fail(new SessionLimitReached({ limit: maxSessions }))
  if (load.latenessMs > OVERLOAD_LATENESS_MS) return Effect.fail(new ServerSaturated({ latenessMs: load.latenessMs }))
  return Effect.void
}
