/**
 * CSeq header (RFC 2326 §12.17): `CSeq: 1*DIGIT`. Accepted range is an unsigned 32-bit number,
 * which covers every client seen in practice (ffmpeg, GStreamer, VLC and the classic lab client
 * count up from 0, 1 or 2).
 */
import { Either } from "effect"
import { headerError, type RtspHeaderError } from "./error.js"
import { isDigits, parseBoundedDecimal, show } from "./lexing.js"

export const CSEQ_MAX = 0xffff_ffff

/** Trimmed decimal digits, 0..2^32-1; leading zeros are allowed. */
export const parseCSeq = (value: string): Either.Either<number, RtspHeaderError> => {
  const text = value.trim()
  if (text === "") return Either.left(headerError("CSeq", "Empty", "value is empty"))
  if (!isDigits(text)) {
    return Either.left(headerError("CSeq", "InvalidNumber", `${show(value)} is not a decimal number`))
  }
  const n = parseBoundedDecimal(text, CSEQ_MAX)
  return n === undefined
    ? Either.left(headerError("CSeq", "OutOfRange", `${show(value)} exceeds ${CSEQ_MAX}`))
    : Either.right(n)
}

/** Plain decimal, no padding. */
export const formatCSeq = (cseq: number): string => String(cseq)
