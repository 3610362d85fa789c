/**
 * RTP-Info header (RFC 2326 §12.33): a comma-separated list of
 * `url=<stream url>[;seq=<16-bit>][;rtptime=<32-bit>]`, one entry per stream.
 * Commas separate entries and `;` separates parameters (stream URLs contain neither).
 * Unknown parameters (e.g. RTSP 2.0's `ssrc=`) are ignored; empty list elements are skipped.
 */
import { Either } from "effect"
import { headerError, type RtspHeaderError } from "./error.js"
import { isDigits, parseBoundedDecimal, show, splitParameter } from "./lexing.js"

export interface RtpInfoEntry {
  readonly url: string
  /** Sequence number of the first packet sent after PLAY. */
  readonly seq?: number
  /** RTP timestamp matching the start of the Range. */
  readonly rtptime?: number
}

export type RtpInfo = ReadonlyArray<RtpInfoEntry>

const parseNumber = (
  name: "seq" | "rtptime",
  text: string,
  max: number
): Either.Either<number, RtspHeaderError> => {
  if (!isDigits(text)) {
    return Either.left(headerError("RTP-Info", "InvalidNumber", `${name} ${show(text)} is not a decimal number`))
  }
  const n = parseBoundedDecimal(text, max)
  return n === undefined
    ? Either.left(headerError("RTP-Info", "OutOfRange", `${name} ${show(text)} exceeds ${max}`))
    : Either.right(n)
}

const parseEntry = (entry: string): Either.Either<RtpInfoEntry, RtspHeaderError> => {
  let url: string | undefined
  let seq: number | undefined
  let rtptime: number | undefined
  for (const part of entry.split(";")) {
    const { name, value } = splitParameter(part)
    switch (name.toLowerCase()) {
      case "url": {
        if (value === undefined || value === "") {
          return Either.left(headerError("RTP-Info", "Malformed", `empty url in ${show(entry)}`))
        }
        url = value
        break
      }
      case "seq": {
        const parsed = parseNumber("seq", value ?? "", 0xffff)
        if (Either.isLeft(parsed)) return Either.left(parsed.left)
        seq = parsed.right
        break
      }
      case "rtptime": {
        const parsed = parseNumber("rtptime", value ?? "", 0xffff_ffff)
        if (Either.isLeft(parsed)) return Either.left(parsed.left)
        rtptime = parsed.right
        break
      }
      default:
        break
    }
  }
  if (url === undefined) {
    return Either.left(headerError("RTP-Info", "MissingParameter", `entry ${show(entry)} has no url`))
  }
  return Either.right({
    url,
    ...(seq === undefined ? {} : { seq }),
    ...(rtptime === undefined ? {} : { rtptime })
  })
}

export const parseRtpInfo = (value: string): Either.Either<RtpInfo, RtspHeaderError> => {
  const entries = value.split(",").filter((entry) => entry.trim() !== "")
  if (entries.length === 0) return Either.left(headerError("RTP-Info", "Empty", "value is empty"))
  const result: Array<RtpInfoEntry> = []
  for (const entry of entries) {
    const parsed = parseEntry(entry)
    if (Either.isLeft(parsed)) return Either.left(parsed.left)
    result.push(parsed.right)
  }
  return Either.right(result)
}

const formatEntry = (entry: RtpInfoEntry): string =>
  `url=${entry.url}` +
  (entry.seq === undefined ? "" : `;seq=${entry.seq}`) +
  (entry.rtptime === undefined ? "" : `;rtptime=${entry.rtptime}`)

export const formatRtpInfo = (info: RtpInfo): string => info.map(formatEntry).join(",")
