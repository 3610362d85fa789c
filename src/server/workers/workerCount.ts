/**
 * `serve --workers`: how many server processes share the RTSP port. A whole number, or
 * "auto" for one per core the process may use (os.availableParallelism()).
 */
import { Either } from "effect"

/** A bound, so a typo (--workers 1000) cannot fork a thousand processes. */
export const MAX_WORKERS = 256

/** The count `text` asks for, given the cores available; Left says what is wrong. */
export const parseWorkerCount = (text: string, cores: number): Either.Either<number, string> => {
  const value = text.trim().toLowerCase()
  if (value === "auto") return Either.right(Math.min(MAX_WORKERS, Math.max(1, Math.floor(cores))))
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN
  return Number.isInteger(n) && n >= 1 && n <= MAX_WORKERS
    ? Either.right(n)
    : Either.left(`must be auto (one per core) or a whole number from 1 to ${MAX_WORKERS}, got "${text}"`)
}
