/**
 * `load --start-at TIME`: when a run's epoch (its client 0's start) is, so that shards on many
 * machines, whose clocks agree (NTP), start their clients together as one run would. Pure.
 */
import { Either } from "effect"

/** A start further ahead than this is a mistake (a wrong date), not a plan. */
export const MAX_START_AHEAD_MS = 24 * 3_600_000

// A zone is required: machines in different zones must read the same instant.
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/

/** The instant, in Unix ms, of an ISO 8601 time with its zone ("2026-05-01T12:00:00Z"). */
export const parseStartAt = (text: string): Either.Either<number, string> => {
  const trimmed = text.trim()
  const ms = ISO_WITH_ZONE.test(trimmed) ? Date.parse(trimmed) : Number.NaN
  return Number.isFinite(ms)
    ? Either.right(ms)
    : Either.left(`--start-at must be an ISO 8601 time with its zone, e.g. 2026-05-01T12:00:00Z (date -u -d '+1 min' +%FT%TZ prints one); got ${JSON.stringify(text)}`)
}

export type StartPlan =
  | { readonly _tag: "Wait"; readonly waitMs: number }
  | { readonly _tag: "Late"; readonly lateMs: number }
  | { readonly _tag: "TooFar"; readonly aheadMs: number }

/** What to do at `nowMs` for a start at `startAtMs`: wait for it, start now (it has passed), or refuse. */
export const startPlan = (startAtMs: number, nowMs: number): StartPlan => {
  const aheadMs = startAtMs - nowMs
  if (aheadMs > MAX_START_AHEAD_MS) return { _tag: "TooFar", aheadMs }
  return aheadMs >= 0 ? { _tag: "Wait", waitMs: aheadMs } : { _tag: "Late", lateMs: -aheadMs }
}
