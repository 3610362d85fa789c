/**
 * Range header (RFC 2326 §12.29, §3.6): `npt=0-`, `npt=10.5-20`, `npt=now-`, `npt=-20`,
 * `npt=00:01:02.5-`. Times become seconds (or "now"). Other units (smpte, clock, ...) are passed
 * through untouched as an `Other` range rather than rejected. A trailing `;time=...` is ignored.
 * The same grammar is used by SDP's `a=range:`.
 */
import { Either } from "effect"
import { headerError, type RtspHeaderError } from "./error.js"
import { show } from "./lexing.js"

/** Seconds from the start of the presentation, or the live point. */
export type NptTime = number | "now"

export interface NptRange {
  readonly _tag: "Npt"
  /** Absent only in the `npt=-end` form. */
  readonly start?: NptTime
  /** Absent for an open range (`npt=10-`). */
  readonly end?: NptTime
}

/** Any non-npt unit (`smpte=...`, `smpte-25=...`, `clock=...`), kept as written. */
export interface OtherRange {
  readonly _tag: "Other"
  readonly unit: string
  readonly value: string
}

export type RangeHeader = NptRange | OtherRange

const UNIT = /^[A-Za-z0-9][A-Za-z0-9\-_.]*$/
const NPT_SECONDS = /^[0-9]+(?:\.[0-9]*)?$/
const NPT_HHMMSS = /^([0-9]+):([0-9]{1,2}):([0-9]{1,2}(?:\.[0-9]*)?)$/

/**
 * One npt-time: "now", seconds with an optional fraction, or h:mm:ss[.frac] (minutes and seconds
 * below 60). Returns undefined when it is none of those.
 */
export const parseNptTime = (text: string): NptTime | undefined => {
  if (text.toLowerCase() === "now") return "now"
  if (NPT_SECONDS.test(text)) {
    const n = Number(text)
    return Number.isFinite(n) ? n : undefined
  }
  const hms = NPT_HHMMSS.exec(text)
  if (hms === null) return undefined
  const hours = Number(hms[1])
  const minutes = Number(hms[2])
  const seconds = Number(hms[3])
  if (minutes >= 60 || seconds >= 60) return undefined
  const total = hours * 3600 + minutes * 60 + seconds
  return Number.isFinite(total) ? total : undefined
}

/**
 * Seconds with at most three decimals and no trailing zeros: 0 -> "0", 10.5 -> "10.5",
 * 12.3456 -> "12.346". Negative or non-finite input is written as 0 (npt has no negative times).
 */
export const formatNptSeconds = (seconds: number): string => {
  const safe = Number.isFinite(seconds) && seconds > 0 ? seconds : 0
  // From 1e21 toFixed writes an exponent, which npt has not; such doubles are whole numbers.
  if (safe >= 1e21) return BigInt(safe).toString()
  return safe.toFixed(3).replace(/\.?0+$/, "")
}

export const formatNptTime = (time: NptTime): string => (time === "now" ? "now" : formatNptSeconds(time))

const parseNptRange = (value: string, raw: string): Either.Either<NptRange, RtspHeaderError> => {
  const dash = value.indexOf("-")
  if (dash < 0 || value.indexOf("-", dash + 1) >= 0) {
    return Either.left(headerError("Range", "Malformed", `npt range ${show(raw)} must have exactly one "-"`))
  }
  const startText = value.slice(0, dash).trim()
  const endText = value.slice(dash + 1).trim()
  if (startText === "" && endText === "") {
    return Either.left(headerError("Range", "Malformed", `npt range ${show(raw)} has neither start nor end`))
  }
  const start = startText === "" ? undefined : parseNptTime(startText)
  if (startText !== "" && start === undefined) {
    return Either.left(headerError("Range", "InvalidNumber", `invalid npt start time ${show(startText)}`))
  }
  const end = endText === "" ? undefined : parseNptTime(endText)
  if (endText !== "" && end === undefined) {
    return Either.left(headerError("Range", "InvalidNumber", `invalid npt end time ${show(endText)}`))
  }
  return Either.right({
    _tag: "Npt",
    ...(start === undefined ? {} : { start }),
    ...(end === undefined ? {} : { end })
  })
}

export const parseRange = (value: string): Either.Either<RangeHeader, RtspHeaderError> => {
  // Parameters such as `;time=19970123T153600Z` follow the range; they are not needed here.
  const spec = (value.split(";")[0] ?? "").trim()
  if (spec === "") return Either.left(headerError("Range", "Empty", "value is empty"))
  const eq = spec.indexOf("=")
  if (eq < 0) return Either.left(headerError("Range", "Malformed", `${show(value)} has no "unit=" prefix`))
  const unit = spec.slice(0, eq).trim()
  const rest = spec.slice(eq + 1).trim()
  if (!UNIT.test(unit)) return Either.left(headerError("Range", "Malformed", `invalid range unit ${show(unit)}`))
  if (unit.toLowerCase() === "npt") return parseNptRange(rest, value)
  if (rest === "") return Either.left(headerError("Range", "Malformed", `${unit} range has no value`))
  return Either.right({ _tag: "Other", unit, value: rest })
}

export const formatRange = (range: RangeHeader): string => {
  if (range._tag === "Other") return `${range.unit}=${range.value}`
  const start = range.start === undefined ? "" : formatNptTime(range.start)
  const end = range.end === undefined ? "" : formatNptTime(range.end)
  return `npt=${start}-${end}`
}
