/**
 * Progress lines on stderr for long runs: every 10% when the total is known
 * (and at least MIN_FRAMES), every EVERY_UNKNOWN frames when it is not.
 */
import { Console, Effect } from "effect"

const MIN_FRAMES = 500
const EVERY_UNKNOWN = 100

/** The line to print after `done` frames, if any. Pure, so the schedule is testable. */
export const progressLine = (
  label: string,
  done: number,
  total: number | undefined
): string | undefined => {
  if (total === undefined || total <= 0) {
    return done % EVERY_UNKNOWN === 0 ? `${label}: ${done} frames` : undefined
  }
  if (total < MIN_FRAMES) return undefined
  const step = Math.floor((done * 10) / total)
  const previous = Math.floor(((done - 1) * 10) / total)
  return step > previous && done < total ? `${label}: ${done}/${total} frames (${step * 10}%)` : undefined
}

/** Reports one finished frame (call it once per frame, in order: 1, 2, 3, ...). */
export const reportProgress = (label: string, done: number, total: number | undefined): Effect.Effect<void> => {
  const line = progressLine(label, done, total)
  return line === undefined ? Effect.void : Console.error(line)
}
