/**
 * SDP (RFC 4566) for RTSP DESCRIBE: the model, a tolerant parser for
 * what real servers send (LF or CRLF, unknown lines and attributes kept or skipped), and the
 * control-URL resolution RTSP clients apply to `a=control:` (RFC 2326 §C.1.1, ffmpeg's rule).
 * Our MJPEG track's builder and finders are in sdpMjpeg.ts (re-exported here).
 */
import { Data, Either } from "effect"
import { parseRange, type RangeHeader } from "./rtsp/headers/range.js"

// ---------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------

/** `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` */
export interface SdpOrigin {
  readonly username: string
  readonly sessionId: string
  readonly sessionVersion: string
  readonly networkType: string
  readonly addressType: string
  readonly address: string
}

/** `c=<nettype> <addrtype> <connection-address>`; a multicast address may carry `/ttl`. */
export interface SdpConnection {
  readonly networkType: string
  readonly addressType: string
  readonly address: string
}

/** `a=<name>:<value>` or the flag form `a=<name>`. */
export interface SdpAttribute {
  readonly name: string
  readonly value?: string
}

/** `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>]` */
export interface SdpRtpMap {
  readonly payloadType: number
  /** As written ("H264", "JPEG", "mpeg4-generic"); compare case-insensitively. */
  readonly encoding: string
  readonly clockRate: number
  readonly channels?: number
}

export interface MediaDescription {
  /** "video", "audio", "application", ... */
  readonly kind: string
  readonly port: number
  /** The `/<number of ports>` suffix of the port, when present. */
  readonly portCount?: number
  /** "RTP/AVP", "RTP/AVPF", "RTP/SAVP", ... */
  readonly protocol: string
  /** RTP payload types (only numeric formats are listed for non-RTP protocols). */
  readonly formats: ReadonlyArray<number>
  readonly connection?: SdpConnection
  readonly rtpmaps: ReadonlyArray<SdpRtpMap>
  /** `a=fmtp:` parameters by payload type, the text after the payload type. */
  readonly fmtp: ReadonlyMap<number, string>
  readonly control?: string
  readonly framerate?: number
  /** Every media-level attribute, in order, including the ones decoded above. */
  readonly attributes: ReadonlyArray<SdpAttribute>
}

export interface SessionDescription {
  readonly version: number
  readonly origin?: SdpOrigin
  /** `s=`, as written. */
  readonly name?: string
  /** `i=`. */
  readonly information?: string
  readonly connection?: SdpConnection
  /** Every session-level attribute, in order, including the ones decoded below. */
  readonly attributes: ReadonlyArray<SdpAttribute>
  /** Session-level `a=range:`, when it parses. */
  readonly range?: RangeHeader
  /** Session-level `a=control:` ("*" or an aggregate URL). */
  readonly control?: string
  readonly media: ReadonlyArray<MediaDescription>
}

export type SdpErrorReason = "Empty" | "MissingVersion" | "UnsupportedVersion" | "BadMediaLine"

export class SdpError extends Data.TaggedError("SdpError")<{
  readonly reason: SdpErrorReason
  readonly message: string
}> {}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

const LINE = /^([a-z])=(.*)$/
const RTPMAP = /^([0-9]{1,3})\s+([^/\s]+)\/([0-9]{1,10})(?:\/([0-9]{1,3}))?$/
const FMTP = /^([0-9]{1,3})(?:\s+([\s\S]*))?$/
const DECIMAL = /^[0-9]{1,9}(?:\.[0-9]{1,9})?$/
const PORT = /^([0-9]{1,5})(?:\/([0-9]{1,5}))?$/
const PAYLOAD_TYPE = /^[0-9]{1,3}$/

const parseAttribute = (value: string): SdpAttribute => {
  const colon = value.indexOf(":")
  return colon < 0
    ? { name: value.trim() }
    : { name: value.slice(0, colon).trim(), value: value.slice(colon + 1).trim() }
}

const parseOrigin = (value: string): SdpOrigin | undefined => {
  const f = value.trim().split(/\s+/)
  if (f.length !== 6) return undefined
  const [username = "", sessionId = "", sessionVersion = "", networkType = "", addressType = "", address = ""] = f
  return { username, sessionId, sessionVersion, networkType, addressType, address }
}

const parseConnection = (value: string): SdpConnection | undefined => {
  const f = value.trim().split(/\s+/)
  if (f.length !== 3) return undefined
  const [networkType = "", addressType = "", address = ""] = f
  return { networkType, addressType, address }
}

const parseRtpMap = (value: string): SdpRtpMap | undefined => {
  const m = RTPMAP.exec(value)
  if (m === null) return undefined
  const payloadType = Number(m[1])
  if (payloadType > 127) return undefined
  return {
    payloadType,
    encoding: m[2] ?? "",
    clockRate: Number(m[3]),
    ...(m[4] === undefined ? {} : { channels: Number(m[4]) })
  }
}

interface MediaBuilder {
  readonly kind: string
  readonly port: number
  readonly portCount?: number
  readonly protocol: string
  readonly formats: ReadonlyArray<number>
  connection?: SdpConnection
  readonly rtpmaps: Array<SdpRtpMap>
  readonly fmtp: Map<number, string>
  control?: string
  framerate?: number
  readonly attributes: Array<SdpAttribute>
}

const badMedia = (lineNumber: number, detail: string): SdpError =>
  new SdpError({ reason: "BadMediaLine", message: `SDP line ${lineNumber}: bad m= line: ${detail}` })

/** `m=<media> <port>[/<number of ports>] <proto> <fmt> ...` */
const parseMediaLine = (value: string, lineNumber: number): Either.Either<MediaBuilder, SdpError> => {
  const fields = value.trim().split(/\s+/)
  const [kind = "", portText = "", protocol = "", ...formatTexts] = fields
  if (kind === "" || protocol === "") {
    return Either.left(badMedia(lineNumber, `expected "<media> <port> <proto> <fmt>...", got ${JSON.stringify(value)}`))
  }
  const port = PORT.exec(portText)
  const portNumber = Number(port?.[1])
  if (port === null || portNumber > 65535) {
    return Either.left(badMedia(lineNumber, `invalid port ${JSON.stringify(portText)}`))
  }
  const isRtp = protocol.toUpperCase().startsWith("RTP/")
  const formats: Array<number> = []
  for (const text of formatTexts) {
    const pt = PAYLOAD_TYPE.test(text) ? Number(text) : Number.NaN
    if (pt <= 127) formats.push(pt)
    else if (isRtp) return Either.left(badMedia(lineNumber, `invalid RTP payload type ${JSON.stringify(text)}`))
  }
  return Either.right({
    kind,
    port: portNumber,
    ...(port[2] === undefined ? {} : { portCount: Number(port[2]) }),
    protocol,
    formats,
    rtpmaps: [],
    fmtp: new Map(),
    attributes: []
  })
}

const applyMediaAttribute = (media: MediaBuilder, attribute: SdpAttribute): void => {
  media.attributes.push(attribute)
  const value = attribute.value
  if (value === undefined) return
  switch (attribute.name.toLowerCase()) {
    case "rtpmap": {
      const rtpmap = parseRtpMap(value)
      if (rtpmap !== undefined) media.rtpmaps.push(rtpmap)
      return
    }
    case "fmtp": {
      const fmtp = FMTP.exec(value)
      if (fmtp !== null && Number(fmtp[1]) <= 127) media.fmtp.set(Number(fmtp[1]), (fmtp[2] ?? "").trim())
      return
    }
    case "control":
      media.control = value
      return
    case "framerate":
      if (DECIMAL.test(value)) media.framerate = Number(value)
      return
    default:
      return
  }
}

const freezeMedia = (m: MediaBuilder): MediaDescription => ({
  kind: m.kind,
  port: m.port,
  ...(m.portCount === undefined ? {} : { portCount: m.portCount }),
  protocol: m.protocol,
  formats: m.formats,
  ...(m.connection === undefined ? {} : { connection: m.connection }),
  rtpmaps: m.rtpmaps,
  fmtp: m.fmtp,
  ...(m.control === undefined ? {} : { control: m.control }),
  ...(m.framerate === undefined ? {} : { framerate: m.framerate }),
  attributes: m.attributes
})

/**
 * Parses a session description. Tolerant: LF, CRLF or CR line ends, blank lines, leading
 * whitespace, unknown line types and attributes, malformed o=/c=/rtpmap lines (skipped; the raw
 * attribute is still listed). Fails only when there is no `v=0` first or an `m=` line is unusable.
 */
export const parseSdp = (text: string): Either.Either<SessionDescription, SdpError> => {
  const lines = text.split(/\r\n|\r|\n/)
  let version: number | undefined
  let origin: SdpOrigin | undefined
  let name: string | undefined
  let information: string | undefined
  let connection: SdpConnection | undefined
  let range: RangeHeader | undefined
  let control: string | undefined
  const attributes: Array<SdpAttribute> = []
  const media: Array<MediaBuilder> = []

  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? "").trimStart()
    if (line.trim() === "") continue
    const lineNumber = index + 1
    const match = LINE.exec(line)
    if (version === undefined) {
      if (match === null || match[1] !== "v") {
        return Either.left(
          new SdpError({ reason: "MissingVersion", message: `SDP line ${lineNumber}: expected "v=0" first, got ${JSON.stringify(line.slice(0, 60))}` })
        )
      }
      const v = (match[2] ?? "").trim()
      if (v !== "0") {
        return Either.left(
          new SdpError({ reason: "UnsupportedVersion", message: `SDP line ${lineNumber}: unsupported version ${JSON.stringify(v)}` })
        )
      }
      version = 0
      continue
    }
    if (match === null) continue
    const type = match[1]
    const value = match[2] ?? ""
    const current = media[media.length - 1]
    if (type === "m") {
      const parsed = parseMediaLine(value, lineNumber)
      if (Either.isLeft(parsed)) return Either.left(parsed.left)
      media.push(parsed.right)
    } else if (type === "a") {
      const attribute = parseAttribute(value)
      if (current !== undefined) {
        applyMediaAttribute(current, attribute)
        continue
      }
      attributes.push(attribute)
      const attributeName = attribute.name.toLowerCase()
      if (attribute.value !== undefined && attributeName === "control") control = attribute.value
      if (attribute.value !== undefined && attributeName === "range") {
        const parsedRange = parseRange(attribute.value)
        if (Either.isRight(parsedRange)) range = parsedRange.right
      }
    } else if (type === "c") {
      const parsedConnection = parseConnection(value)
      if (parsedConnection === undefined) continue
      if (current !== undefined) current.connection = parsedConnection
      else connection = parsedConnection
    } else if (current === undefined) {
      if (type === "o") origin = parseOrigin(value) ?? origin
      else if (type === "s") name = value
      else if (type === "i") information = value
    }
  }

  if (version === undefined) {
    return Either.left(new SdpError({ reason: text.trim() === "" ? "Empty" : "MissingVersion", message: "SDP has no v= line" }))
  }
  return Either.right({
    version,
    ...(origin === undefined ? {} : { origin }),
    ...(name === undefined ? {} : { name }),
    ...(information === undefined ? {} : { information }),
    ...(connection === undefined ? {} : { connection }),
    attributes,
    ...(range === undefined ? {} : { range }),
    ...(control === undefined ? {} : { control }),
    media: media.map(freezeMedia)
  })
}

// ---------------------------------------------------------------------------
// Control URLs
// ---------------------------------------------------------------------------

const ABSOLUTE_URL = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//
const ORIGIN = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*)/

/**
 * The URL to SETUP/PLAY a track or session with:
 * - absolute control (`rtsp://...`): used as is;
 * - `*` or no control: the base itself;
 * - `/path`: the base's scheme and authority plus that path;
 * - anything else: appended to the base with one "/" between (what ffmpeg, VLC and live555 do;
 *   plain RFC 3986 resolution would drop the last path segment and break
 *   `rtsp://h/movie.Mjpeg` + `streamid=0`).
 */
export const resolveControlUrl = (contentBase: string, control: string | undefined): string => {
  const c = control?.trim() ?? ""
  if (c === "" || c === "*") return contentBase
  if (ABSOLUTE_URL.test(c)) return c
  if (c.startsWith("/")) {
    const origin = ORIGIN.exec(contentBase)
    if (origin !== null) return `${origin[1]}${c}`
  }
  return contentBase.endsWith("/") ? `${contentBase}${c}` : `${contentBase}/${c}`
}

// Our MJPEG track (building it, recognising it) lives in sdpMjpeg.ts.
export * from "./sdpMjpeg.js"
