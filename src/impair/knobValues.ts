/**
 * The value syntax of impairment knobs, text to number and back, the same for a URL query and a
 * profiles file. Each reader returns the value or what is wrong with it, phrased to follow the
 * knob's name ("loss" + " 150% is above 100%"). Numbers are plain decimals (`2`, `0.5`; no
 * exponent, no sign but a `-` that is refused as negative). Pure.
 *
 * - A share is a percentage, with or without the `%`: `2%` and `2` both mean 2 in 100, because a
 *   share written as a fraction (`0.02` meaning 2%) would make `loss=2` mean 200%.
 * - A duration needs its unit, `ms`, `s` or `m` (`100ms`, `1.5s`, `2m`), and comes to whole
 *   milliseconds: a bare `10` could be read as either 10 ms or 10 s.
 * - A bandwidth is kbit/s: `2000`, `2000kbps`, `2mbps`, `1gbps`.
 */
import { Either } from "effect"
import { RTSP_METHODS } from "../protocol/rtsp/vocabulary.js"

/** A value, or what is wrong with the text (to follow the knob's name). */
export type KnobRead<A> = Either.Either<A, string>

const DECIMAL = /^(-?)(\d+(?:\.\d+)?)$/
const shown = (text: string): string => JSON.stringify(text)

/**
 * `value × 10^shift` as the shortest plain decimal that reads back exactly (`0.025`, 2 → "2.5").
 * Starts from JavaScript's shortest round-trip text, so decimal shifting loses nothing.
 */
export const plainDecimal = (value: number, shift = 0): string => {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`not a finite non-negative number: ${value}`)
  const [mantissa = "0", exponent = "0"] = String(value).split("e")
  const [whole = "0", fraction = ""] = mantissa.split(".")
  let digits = whole + fraction
  let point = whole.length + Number(exponent) + shift
  if (point <= 0) {
    digits = "0".repeat(1 - point) + digits
    point = 1
  }
  if (point > digits.length) digits += "0".repeat(point - digits.length)
  const integer = digits.slice(0, point).replace(/^0+(?=\d)/, "")
  const decimals = digits.slice(point).replace(/0+$/, "")
  return decimals === "" ? integer : `${integer}.${decimals}`
}

/** A share of packets or frames, 0 to 1, from a percentage: `2%`, `2`, `0.5%`. */
export const readShare = (text: string): KnobRead<number> => {
  const match = /^(-?)(\d+(?:\.\d+)?)%?$/.exec(text)
  if (match === null) return Either.left(`${shown(text)} is not a percentage (e.g. 2% or 0.5%; a bare number is a percentage too)`)
  const [, minus, digits = ""] = match
  if (minus === "-") return Either.left(`-${digits}% is negative`)
  // Exponent notation keeps the decimal exact: "2.5e-2" is the double nearest 0.025, where 2.5 / 100 may be an ulp off.
  const share = Number(`${digits}e-2`)
  if (share > 1) return Either.left(`${digits}% is above 100%`)
  return Either.right(share)
}

export const formatShare = (share: number): string => `${plainDecimal(share, 2)}%`

const UNIT_MS = { ms: 1n, s: 1_000n, m: 60_000n } as const
type DurationUnit = keyof typeof UNIT_MS

/** A duration in whole milliseconds, from `250ms`, `1.5s`, `2m`; at most `maxMs`. */
export const readDuration = (text: string, maxMs: number): KnobRead<number> => {
  const match = /^(-?)(\d+)(?:\.(\d+))?(ms|s|m)?$/.exec(text)
  if (match === null) return Either.left(`${shown(text)} is not a duration (e.g. 100ms, 1.5s, 2m)`)
  const [, minus, whole = "", fraction = "", unit] = match
  if (minus === "-") return Either.left(`${text} is negative`)
  if (unit === undefined) return Either.left(`${text} needs a unit, ms, s or m (e.g. ${text}ms or ${text}s)`)
  const scaled = BigInt(whole + fraction) * UNIT_MS[unit as DurationUnit]
  const divisor = 10n ** BigInt(fraction.length)
  if (scaled % divisor !== 0n) return Either.left(`${text} is not a whole number of milliseconds`)
  const ms = scaled / divisor
  if (ms > BigInt(maxMs)) return Either.left(`${text} is above ${formatDuration(maxMs)}`)
  return Either.right(Number(ms))
}

/** Canonical text in the largest unit that keeps it whole: `2m`, `90s`, `250ms`; zero is `0s`. */
export const formatDuration = (ms: number): string =>
  ms === 0 ? "0s" : ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`

/** A plain decimal from `min` to `max` (`integer`: whole numbers only); `what` names it in a complaint. */
export const readNumber = (
  text: string,
  range: { readonly min: number; readonly max: number; readonly integer: boolean; readonly what: string }
): KnobRead<number> => {
  const match = DECIMAL.exec(text)
  const value = Number(text)
  const fits = match !== null && (!range.integer || Number.isInteger(value))
  if (!fits) {
    const kind = range.integer ? "a whole number" : "a number"
    return Either.left(`${shown(text)} is not ${kind} of ${range.what} from ${range.min} to ${range.max}`)
  }
  if (value < range.min) return Either.left(`${text} is below ${range.min}`)
  if (value > range.max) return Either.left(`${text} is above ${range.max}`)
  return Either.right(value)
}

export const formatNumber = (value: number): string => plainDecimal(value)

export const MAX_SEED = 0xffff_ffff

/** A seed: a whole decimal number that fits in 32 bits unsigned. */
export const readSeed = (text: string): KnobRead<number> => {
  const value = Number(text)
  return /^\d{1,10}$/.test(text) && value <= MAX_SEED
    ? Either.right(value)
    : Either.left(`${shown(text)} is not a whole number from 0 to ${MAX_SEED}`)
}

const BANDWIDTH_SHIFT = { kbps: 0, mbps: 3, gbps: 6 } as const
type BandwidthUnit = keyof typeof BANDWIDTH_SHIFT

/** A bandwidth in kbit/s, from `2000`, `2000kbps`, `2mbps`, `1gbps` (units in upper or lower case); above 0, at most `maxKbps`. */
export const readBandwidth = (text: string, maxKbps: number): KnobRead<number> => {
  const match = /^(-?)(\d+(?:\.\d+)?)(kbps|mbps|gbps)?$/i.exec(text)
  if (match === null) return Either.left(`${shown(text)} is not a bandwidth (e.g. 2000 for kbit/s, 2000kbps, 2mbps)`)
  const [, minus, digits = "", unit = "kbps"] = match
  if (minus === "-") return Either.left(`${text} is negative`)
  const kbps = Number(`${digits}e${BANDWIDTH_SHIFT[unit.toLowerCase() as BandwidthUnit]}`)
  if (kbps === 0) return Either.left(`${text} would let nothing through (for no cap, leave it out or say off)`)
  if (kbps > maxKbps) return Either.left(`${text} is above ${maxKbps} kbit/s`)
  return Either.right(kbps)
}

export const formatBandwidth = (kbps: number): string => plainDecimal(kbps)

/** `METHOD:STATUS`: answer that RTSP method with that status, e.g. `PLAY:503`. */
export const readAnswer = (text: string): KnobRead<{ readonly method: string; readonly status: number }> => {
  const colon = text.indexOf(":")
  if (colon < 0) return Either.left(`${shown(text)} needs METHOD:STATUS (e.g. PLAY:503)`)
  const method = text.slice(0, colon)
  const status = text.slice(colon + 1)
  if (!(RTSP_METHODS as ReadonlyArray<string>).includes(method)) {
    return Either.left(`method ${shown(method)} is not an RTSP method (${RTSP_METHODS.join(", ")})`)
  }
  if (!/^\d{3}$/.test(status) || Number(status) < 100 || Number(status) > 599) {
    return Either.left(`status ${shown(status)} is not a status code from 100 to 599`)
  }
  return Either.right({ method, status: Number(status) })
}

export const formatAnswer = (answer: { readonly method: string; readonly status: number }): string =>
  `${answer.method}:${answer.status}`
