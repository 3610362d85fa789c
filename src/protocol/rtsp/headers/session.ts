/**
 * Session header (RFC 2326 §12.37): `session-id [ ";" "timeout" "=" delta-seconds ]`, with
 * session-id = 1*( ALPHA / DIGIT / safe ), safe = "$" / "-" / "_" / "." / "+".
 * Whitespace around `;` and `=` is tolerated; parameters other than timeout are ignored.
 * The classic lab client needs a bare decimal id, so formatting omits `;timeout` when absent.
 */
import { Either } from "effect"
import { headerError, type RtspHeaderError } from "./error.js"
import { isDigits, parseBoundedDecimal, show, splitParameter } from "./lexing.js"

export interface SessionHeader {
  readonly id: string
  /** Seconds; absent when the header carries no timeout parameter. */
  readonly timeout?: number
}

const SESSION_ID = /^[A-Za-z0-9$\-_.+]+$/
/** Generous upper bound: a day-long timeout is already unusual. */
export const SESSION_TIMEOUT_MAX = 0x7fff_ffff

export const isValidSessionId = (id: string): boolean => SESSION_ID.test(id)

export const parseSession = (value: string): Either.Either<SessionHeader, RtspHeaderError> => {
  if (value.trim() === "") return Either.left(headerError("Session", "Empty", "value is empty"))
  const [rawId = "", ...params] = value.split(";")
  const id = rawId.trim()
  if (!isValidSessionId(id)) {
    return Either.left(headerError("Session", "Malformed", `invalid session id ${show(id)}`))
  }
  let timeout: number | undefined
  for (const part of params) {
    const { name, value: paramValue } = splitParameter(part)
    if (name.toLowerCase() !== "timeout") continue
    if (paramValue === undefined || !isDigits(paramValue)) {
      return Either.left(
        headerError("Session", "InvalidNumber", `timeout ${show(paramValue ?? "")} is not a decimal number`)
      )
    }
    timeout = parseBoundedDecimal(paramValue, SESSION_TIMEOUT_MAX)
    if (timeout === undefined) {
      return Either.left(headerError("Session", "OutOfRange", `timeout ${show(paramValue)} is too large`))
    }
  }
  return Either.right(timeout === undefined ? { id } : { id, timeout })
}

export const formatSession = (session: SessionHeader): string =>
  session.timeout === undefined ? session.id : `${session.id};timeout=${session.timeout}`
