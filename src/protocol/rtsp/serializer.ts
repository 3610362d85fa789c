/**
 * RTSP message serializer (RFC 2326 §4, §6, §7, §10.12).
 *
 * Writes `start line CRLF (Name: value CRLF)* CRLF body`, headers in the given order and spelling.
 * Content-Length is appended when the body is non-empty and the headers do not already carry it.
 *
 * The inputs come from our own code, so invalid ones are programming errors: like the RTP encoder,
 * these functions throw a RangeError for them (a CR/LF that would inject a header, a Content-Length
 * that disagrees with the body, a channel or payload that does not fit the `$` header).
 */
import type { InterleavedFrame, RtspHeaders, RtspMessage, RtspRequest, RtspResponse } from "./message.js"
import { INTERLEAVED_HEADER_SIZE, INTERLEAVED_MARKER, MAX_INTERLEAVED_PAYLOAD, START_LINE_FIELD, TOKEN } from "./grammar.js"
import { getHeaders } from "./message.js"

export { INTERLEAVED_HEADER_SIZE, MAX_INTERLEAVED_PAYLOAD }

const LINE_BREAK = /[\r\n]/

const check = (ok: boolean, what: () => string): void => {
  if (!ok) throw new RangeError(what())
}

const headerLines = (headers: RtspHeaders, bodyLength: number): string => {
  let text = ""
  for (const [name, value] of headers) {
    check(TOKEN.test(name), () => `RTSP header name ${JSON.stringify(name)} is not a token`)
    check(!LINE_BREAK.test(value), () => `RTSP header ${name} value ${JSON.stringify(value)} contains CR or LF`)
    text += `${name}: ${value}\r\n`
  }
  const declared = getHeaders(headers, "Content-Length")
  for (const value of declared) {
    check(
      /^[ \t]*\d+[ \t]*$/.test(value) && Number(value) === bodyLength,
      () => `RTSP Content-Length ${JSON.stringify(value)} disagrees with the body length ${bodyLength}`
    )
  }
  if (declared.length === 0 && bodyLength > 0) text += `Content-Length: ${bodyLength}\r\n`
  return text + "\r\n"
}

const assemble = (head: string, body: Buffer): Buffer => {
  const headLength = Buffer.byteLength(head, "utf8")
  const out = Buffer.allocUnsafe(headLength + body.length)
  out.write(head, 0, "utf8")
  body.copy(out, headLength)
  return out
}

export const serializeRequest = (req: RtspRequest): Buffer => {
  // A leading "$" would be read back as an interleaved frame.
  check(
    TOKEN.test(req.method) && !req.method.startsWith("$"),
    () => `RTSP method ${JSON.stringify(req.method)} is not a token or starts with "$"`
  )
  check(START_LINE_FIELD.test(req.uri), () => `RTSP request URI ${JSON.stringify(req.uri)} is empty or has whitespace`)
  check(START_LINE_FIELD.test(req.version), () => `RTSP version ${JSON.stringify(req.version)} is empty or has whitespace`)
  return assemble(`${req.method} ${req.uri} ${req.version}\r\n${headerLines(req.headers, req.body.length)}`, req.body)
}

export const serializeResponse = (res: RtspResponse): Buffer => {
  check(START_LINE_FIELD.test(res.version), () => `RTSP version ${JSON.stringify(res.version)} is empty or has whitespace`)
  check(
    Number.isInteger(res.statusCode) && res.statusCode >= 100 && res.statusCode <= 999,
    () => `RTSP status code ${res.statusCode} is not three digits`
  )
  check(!LINE_BREAK.test(res.reason), () => `RTSP reason ${JSON.stringify(res.reason)} contains CR or LF`)
  return assemble(
    `${res.version} ${res.statusCode} ${res.reason}\r\n${headerLines(res.headers, res.body.length)}`,
    res.body
  )
}

export const serializeMessage = (message: RtspMessage): Buffer =>
  message._tag === "Request" ? serializeRequest(message) : serializeResponse(message)

/**
 * Writes the 4-byte `$` header for a frame of `length` bytes on `channel` at `offset` of `target`:
 * for the per-packet path, which writes many headers into one buffer and sends each followed by its
 * packet without copying.
 */
export const writeInterleavedHeader = (target: Buffer, offset: number, channel: number, length: number): void => {
  check(Number.isInteger(channel) && channel >= 0 && channel <= 255, () => `interleaved channel ${channel} is not in 0..255`)
  check(
    Number.isInteger(length) && length >= 0 && length <= MAX_INTERLEAVED_PAYLOAD,
    () => `interleaved payload of ${length} bytes does not fit the 16-bit length (max ${MAX_INTERLEAVED_PAYLOAD})`
  )
  target[offset] = INTERLEAVED_MARKER
  target[offset + 1] = channel
  target.writeUInt16BE(length, offset + 2)
}

/** The 4-byte `$` header for a frame of `length` bytes on `channel`, in a buffer of its own. */
export const interleavedHeader = (channel: number, length: number): Buffer => {
  const header = Buffer.allocUnsafe(INTERLEAVED_HEADER_SIZE)
  writeInterleavedHeader(header, 0, channel, length)
  return header
}

/** `$`, channel, length and payload in one buffer (one copy of the payload). */
export const serializeInterleaved = (channel: number, payload: Uint8Array): Buffer => {
  const header = interleavedHeader(channel, payload.length)
  const out = Buffer.allocUnsafe(INTERLEAVED_HEADER_SIZE + payload.length)
  header.copy(out, 0)
  out.set(payload, INTERLEAVED_HEADER_SIZE)
  return out
}

export const serializeInterleavedFrame = (frame: InterleavedFrame): Buffer =>
  serializeInterleaved(frame.channel, frame.payload)
