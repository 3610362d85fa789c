/**
 * The load-shedding policy: how late frames go out, all sessions together,
 * and when that refuses new sessions rather than degrading everyone.
 */
import { Effect } from "effect"
import { ServerSaturated, SessionLimitReached } from "./errors.js"

export interface LoadTracker {
  /** Moving average of (send time - due time) over recent frames, in ms. */
  latenessMs: number
  /** When the last frame went out (ms on the server's clock). */
  lastFrameAt: number
}

export const makeLoadTracker = (): LoadTracker => ({ latenessMs: 0, lastFrameAt: Number.NEGATIVE_INFINITY })

/**
 * With no frame sent for this long the average says nothing about the load any more: it is
 * only updated by frames, so after the last session of a busy spell ends it would otherwise
 * keep refusing every SETUP.
 */
export const LATENESS_MEMORY_MS = 1000

/** Weight of the newest frame in the lateness average: about the last 100 frames count. */
const LATENESS_WEIGHT = 0.01

export const recordLateness = (load: LoadTracker, latenessMs: number, nowMs: number): void => {
  load.latenessMs += (Math.max(0, latenessMs) - load.latenessMs) * LATENESS_WEIGHT
  load.lastFrameAt = nowMs
}

/** Above this average lateness the server is saturated: SETUP is refused (453) rather than degrading everyone. */
export const OVERLOAD_LATENESS_MS = 20

/** Whether one more session may start: under the configured limit, and the server keeping up. */
export const admitSession = (
  load: LoadTracker,
  liveSessions: number,
  maxSessions: number,
  nowMs: number
): Effect.Effect<void, SessionLimitReached | ServerSaturated> => {
  if (liveSessions >= maxSessions) return Effect.fail(new SessionLimitReached({ limit: maxSessions }))
  if (nowMs - load.lastFrameAt > LATENESS_MEMORY_MS) load.latenessMs = 0
  if (load.latenessMs > OVERLOAD_LATENESS_MS) return Effect.fail(new ServerSaturated({ latenessMs: load.latenessMs }))
  return Effect.void
}
