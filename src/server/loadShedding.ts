/**
 * The load-shedding policy: how late frames go out, all sessions together,
 * and when that refuses new sessions rather than degrading everyone.
 *
 * Lateness is averaged over every frame of the last second, not over the
 * last N frames: with hundreds of sessions, N frames are a few milliseconds
 * of streaming, and one garbage-collection pause would read as saturation.
 * A server that sent no frame in the last second is not behind.
 */
import { ServerSaturated, SessionLimitReached } from "./errors.js"

/** The second is kept as BUCKETS slots of BUCKET_MS each. */
const BUCKETS = 4
const BUCKET_MS = 250
/** The span the average covers. */
export const LATENESS_WINDOW_MS = BUCKETS * BUCKET_MS

export interface LoadTracker {
  /** Sum and count of lateness (send time - due time, ms, early counts as 0) per slot. */
  readonly sums: Float64Array
  readonly counts: Float64Array
  /** Start of the current slot (ms on the server's clock), and its index. */
  slotStart: number
  slot: number
}

export const makeLoadTracker = (): LoadTracker => ({
  sums: new Float64Array(BUCKETS),
  counts: new Float64Array(BUCKETS),
  slotStart: Number.NEGATIVE_INFINITY,
  slot: 0
})

/** Moves to the slot that holds `nowMs`, emptying the slots passed over. */
const advance = (load: LoadTracker, nowMs: number): void => {
  const passed = Math.floor((nowMs - load.slotStart) / BUCKET_MS)
  if (passed <= 0) return
  for (let i = 0; i < Math.min(passed, BUCKETS); i++) {
    load.slot = (load.slot + 1) % BUCKETS
    load.sums[load.slot] = 0
    load.counts[load.slot] = 0
  }
  load.slotStart = passed >= BUCKETS ? nowMs : load.slotStart + passed * BUCKET_MS
}

export const recordLateness = (load: LoadTracker, latenessMs: number, nowMs: number): void => {
  advance(load, nowMs)
  load.sums[load.slot]! += Math.max(0, latenessMs)
  load.counts[load.slot]! += 1
}

/** Mean lateness of the frames sent in the last second; 0 when none was. */
export const averageLatenessMs = (load: LoadTracker, nowMs: number): number => {
  advance(load, nowMs)
  let sum = 0
  let count = 0
  for (let i = 0; i < BUCKETS; i++) {
    sum += load.sums[i]!
    count += load.counts[i]!
  }
  return count === 0 ? 0 : sum / count
}

/** Above this average lateness the server is saturated: SETUP is refused (453) rather than degrading everyone. */
export const OVERLOAD_LATENESS_MS = 20

/**
 * Whether one more session may start: under the configured limit, and the server keeping up.
 * A session that adds no stream (a member of a multicast group already open) costs no sending,
 * so only the limit applies to it.
 */
export const admissionRefusal = (
  load: LoadTracker,
  liveSessions: number,
  maxSessions: number,
  nowMs: number,
  addsStream = true
): SessionLimitReached | ServerSaturated | undefined => {
  if (liveSessions >= maxSessions) return new SessionLimitReached({ limit: maxSessions })
  if (!addsStream) return undefined
  const latenessMs = averageLatenessMs(load, nowMs)
  return latenessMs > OVERLOAD_LATENESS_MS ? new ServerSaturated({ latenessMs }) : undefined
}
