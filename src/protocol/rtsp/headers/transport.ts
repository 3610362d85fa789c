/**
 * Transport header (RFC 2326 §12.39): a comma-separated list of transport specs, each
 * `transport-protocol/profile[/lower-transport] *(";" parameter)`.
 *
 * Tolerant of what real clients send: the classic lab client's `RTP/UDP; client_port= 25000`,
 * `client_port = 25000`, lower-case protocols, `mode="PLAY"` quoted or not, empty `;;`.
 * Unknown parameters, and an `ssrc` that is not hex, are kept in `extensions`. Specs whose protocol is not an RTP one we can serve
 * (e.g. `RAW/RAW/UDP`, `RTP/SAVP`) are dropped from the list, since the client offers them as
 * alternatives; only a list with no usable spec at all is an error (reason "Unsupported", i.e. 461).
 */
import { Either } from "effect"
import { headerError, type RtspHeaderError } from "./error.js"
import { isDigits, parseBoundedDecimal, show, splitOutsideQuotes, splitParameter, unquote } from "./lexing.js"

/** "RTP/UDP" is what the classic lab client writes; the others are RFC 2326 spellings. */
export type TransportProtocol = "RTP/AVP" | "RTP/AVP/UDP" | "RTP/AVP/TCP" | "RTP/UDP"
export type LowerTransport = "UDP" | "TCP"
export type TransportDelivery = "unicast" | "multicast"
export type TransportMode = "PLAY" | "RECORD"

/** `a` or `a-b`: ports (RTP then RTCP) or interleaved channels. */
export interface NumberRange {
  readonly first: number
  readonly last?: number
}

export interface TransportExtension {
  readonly name: string
  /** Kept as written (quotes included), so it formats back unchanged. */
  readonly value?: string
}

export interface TransportSpec {
  readonly protocol: TransportProtocol
  /** Derived from the protocol: only "RTP/AVP/TCP" is TCP. */
  readonly lowerTransport: LowerTransport
  /** Absent when neither flag was given (RFC 2326 then means multicast; servers usually assume unicast). */
  readonly delivery?: TransportDelivery
  readonly destination?: string
  readonly source?: string
  /** Interleaved channel(s), 0..255. */
  readonly interleaved?: NumberRange
  /** Multicast time-to-live, 0..255. */
  readonly ttl?: number
  /** Multicast port(s). */
  readonly port?: NumberRange
  readonly clientPort?: NumberRange
  readonly serverPort?: NumberRange
  /** Unsigned 32-bit, written as hex. */
  readonly ssrc?: number
  readonly mode?: TransportMode
  /** Parameters this codec does not model (`append`, `layers=2`, vendor ones), in order. */
  readonly extensions: ReadonlyArray<TransportExtension>
}

/** Never empty when parsed. */
export type Transport = ReadonlyArray<TransportSpec>

const PROTOCOLS: Record<string, TransportProtocol> = {
  "RTP/AVP": "RTP/AVP",
  "RTP/AVP/UDP": "RTP/AVP/UDP",
  "RTP/AVP/TCP": "RTP/AVP/TCP",
  "RTP/UDP": "RTP/UDP"
}

const PORT_MAX = 0xffff
const CHANNEL_MAX = 0xff
const RANGE = /^([^-]*)-([^-]*)$/
const SSRC_HEX = /^[0-9A-Fa-f]{1,8}$/

export const lowerTransportOf = (protocol: TransportProtocol): LowerTransport =>
  protocol === "RTP/AVP/TCP" ? "TCP" : "UDP"

type Result<A> = Either.Either<A, RtspHeaderError>

const numberError = (param: string, text: string, max: number): RtspHeaderError =>
  isDigits(text)
    ? headerError("Transport", "OutOfRange", `${param} ${show(text)} is outside 0..${max}`)
    : headerError("Transport", "InvalidNumber", `${param} ${show(text)} is not a decimal number`)

const parseBounded = (param: string, text: string, max: number): Result<number> => {
  const n = parseBoundedDecimal(text, max)
  return n === undefined ? Either.left(numberError(param, text, max)) : Either.right(n)
}

const parseNumberRange = (param: string, text: string, max: number): Result<NumberRange> => {
  const range = RANGE.exec(text)
  if (range === null) return Either.map(parseBounded(param, text, max), (first) => ({ first }))
  const firstText = (range[1] ?? "").trim()
  const lastText = (range[2] ?? "").trim()
  return Either.flatMap(parseBounded(param, firstText, max), (first) =>
    Either.map(parseBounded(param, lastText, max), (last) => ({ first, last }))
  )
}

const parseMode = (text: string): Result<TransportMode> => {
  const mode = (unquote(text) ?? "").trim().toUpperCase()
  // "RECEIVE" is an old synonym some encoders still send for RECORD.
  if (mode === "PLAY") return Either.right("PLAY")
  if (mode === "RECORD" || mode === "RECEIVE") return Either.right("RECORD")
  return Either.left(headerError("Transport", "Unsupported", `unsupported mode ${show(text)}`))
}

/** RFC 2326 says 8 hex digits; cameras also send fewer, or a `0x` prefix. */
const parseSsrc = (text: string): number | undefined => {
  const hex = text.replace(/^0x/i, "")
  return SSRC_HEX.test(hex) ? Number.parseInt(hex, 16) : undefined
}

type MutableSpec = { -readonly [K in keyof TransportSpec]: TransportSpec[K] }

const requireValue = (name: string, value: string | undefined): Result<string> =>
  value === undefined || value === ""
    ? Either.left(headerError("Transport", "Malformed", `parameter ${show(name)} needs a value`))
    : Either.right(value)

/** Applies one parameter to the spec being built; later duplicates win. */
const applyParameter = (spec: MutableSpec, extensions: Array<TransportExtension>, part: string): Result<void> => {
  const { name, value } = splitParameter(part)
  if (name === "") return Either.left(headerError("Transport", "Malformed", `parameter ${show(part)} has no name`))
  const lower = name.toLowerCase()
  // Parses the parameter's (required) value and stores it.
  const store = <A>(parse: (v: string) => Result<A>, assign: (a: A) => void): Result<void> =>
    Either.map(Either.flatMap(requireValue(name, value), parse), assign)
  const text = (v: string): Result<string> => Either.right(v)
  switch (lower) {
    case "unicast":
    case "multicast":
      spec.delivery = lower
      return Either.void
    case "destination":
      return store(text, (v) => (spec.destination = v))
    case "source":
      return store(text, (v) => (spec.source = v))
    case "interleaved":
      return store((v) => parseNumberRange(lower, v, CHANNEL_MAX), (v) => (spec.interleaved = v))
    case "ttl":
      return store((v) => parseBounded(lower, v, 255), (v) => (spec.ttl = v))
    case "port":
      return store((v) => parseNumberRange(lower, v, PORT_MAX), (v) => (spec.port = v))
    case "client_port":
      return store((v) => parseNumberRange(lower, v, PORT_MAX), (v) => (spec.clientPort = v))
    case "server_port":
      return store((v) => parseNumberRange(lower, v, PORT_MAX), (v) => (spec.serverPort = v))
    case "mode":
      return store(parseMode, (v) => (spec.mode = v))
    case "ssrc": {
      // The SSRC is advisory: one a server wrote in decimal or too long is kept as an extension
      // rather than failing the whole SETUP (seen from ibaRTSPServer and no-name cameras).
      const ssrc = value === undefined ? undefined : parseSsrc(value)
      if (ssrc !== undefined) {
        spec.ssrc = ssrc
        return Either.void
      }
      break
    }
    default:
      break
  }
  extensions.push(value === undefined ? { name } : { name, value })
  return Either.void
}

type SpecResult = Either.Either<TransportSpec | "unsupported", RtspHeaderError>

const parseSpec = (text: string): SpecResult => {
  const [head = "", ...params] = splitOutsideQuotes(text, ";")
  const written = head.trim()
  if (written === "") {
    return Either.left(headerError("Transport", "Malformed", `transport spec ${show(text)} has no protocol`))
  }
  const protocol = PROTOCOLS[written.toUpperCase()]
  if (protocol === undefined) return Either.right("unsupported")
  const spec: MutableSpec = { protocol, lowerTransport: lowerTransportOf(protocol), extensions: [] }
  const extensions: Array<TransportExtension> = []
  for (const part of params) {
    if (part.trim() === "") continue
    const applied = applyParameter(spec, extensions, part)
    if (Either.isLeft(applied)) return Either.left(applied.left)
  }
  spec.extensions = extensions
  return Either.right(spec)
}

/**
 * Parses the whole list. Fails on a malformed spec anywhere in the list (400), and with reason
 * "Unsupported" when every spec names a protocol other than RTP over UDP/TCP (461).
 */
export const parseTransport = (value: string): Either.Either<Transport, RtspHeaderError> => {
  const texts = splitOutsideQuotes(value, ",").filter((t) => t.trim() !== "")
  if (texts.length === 0) return Either.left(headerError("Transport", "Empty", "value is empty"))
  const specs: Array<TransportSpec> = []
  const unsupported: Array<string> = []
  for (const text of texts) {
    const parsed = parseSpec(text)
    if (Either.isLeft(parsed)) return Either.left(parsed.left)
    if (parsed.right === "unsupported") unsupported.push((text.split(";")[0] ?? "").trim())
    else specs.push(parsed.right)
  }
  if (specs.length === 0) {
    return Either.left(
      headerError("Transport", "Unsupported", `no supported transport protocol in ${unsupported.map(show).join(", ")}`)
    )
  }
  return Either.right(specs)
}

const formatNumberRange = (range: NumberRange): string =>
  range.last === undefined ? String(range.first) : `${range.first}-${range.last}`

/** Canonical order: protocol; delivery; addresses; channels; ports; ssrc; mode; extensions. */
export const formatTransportSpec = (spec: TransportSpec): string => {
  const parts: Array<string> = [spec.protocol]
  if (spec.delivery !== undefined) parts.push(spec.delivery)
  if (spec.destination !== undefined) parts.push(`destination=${spec.destination}`)
  if (spec.source !== undefined) parts.push(`source=${spec.source}`)
  if (spec.interleaved !== undefined) parts.push(`interleaved=${formatNumberRange(spec.interleaved)}`)
  if (spec.ttl !== undefined) parts.push(`ttl=${spec.ttl}`)
  if (spec.port !== undefined) parts.push(`port=${formatNumberRange(spec.port)}`)
  if (spec.clientPort !== undefined) parts.push(`client_port=${formatNumberRange(spec.clientPort)}`)
  if (spec.serverPort !== undefined) parts.push(`server_port=${formatNumberRange(spec.serverPort)}`)
  if (spec.ssrc !== undefined) parts.push(`ssrc=${(spec.ssrc >>> 0).toString(16).toUpperCase().padStart(8, "0")}`)
  if (spec.mode !== undefined) parts.push(`mode=${spec.mode}`)
  for (const ext of spec.extensions) parts.push(ext.value === undefined ? ext.name : `${ext.name}=${ext.value}`)
  return parts.join(";")
}

export const formatTransport = (transport: Transport): string => transport.map(formatTransportSpec).join(",")
