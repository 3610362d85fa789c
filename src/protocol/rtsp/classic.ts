/**
 * The classic Kurose–Ross teaching lab's dialect of RTSP, both sides of it, in one place
 * (see ../shared/PROTOCOL.md for the client's quirks):
 *
 * - A request names a bare file (`SETUP movie.Mjpeg RTSP/1.0`), not an rtsp:// URL; that is how a
 *   server tells the dialect from a connection's first request.
 * - Requests end lines with `\n` and have no final blank line, so they are framed by an idle pause
 *   (the parser's `flushIdle()`, called after `CLASSIC_REQUEST_IDLE_MS` of silence).
 * - SETUP carries `Transport: RTP/UDP; client_port= <port>` (one port, no RTCP).
 * - Replies are exactly status, CSeq and Session on lines 1–3, one space after each colon.
 * - Sessions are 6 decimal digits, non-zero (the client does `int()` on them).
 */
import { reasonPhrase } from "./message.js"

/** A server frames a classic request after this long without bytes following it. */
export const CLASSIC_REQUEST_IDLE_MS = 20
/** A client frames a classic reply (which may lack its blank line) after this long without more bytes. */
export const CLASSIC_REPLY_IDLE_MS = 30
/** The classic client can mistake a reply that comes back within microseconds for the previous one. */
export const CLASSIC_REPLY_DELAY_MS = 15

const RTSP_URL = /^rtsps?:\/\//i

/** Classic clients send a bare file name; standard ones an rtsp:// URL (or `*` for OPTIONS). */
export const isClassicTarget = (uri: string): boolean => uri !== "*" && !RTSP_URL.test(uri)

/** The bare file name a classic client sends for a URL: its last path segment, decoded. */
export const classicTarget = (url: string): string => {
  let path = url
  try {
    path = new URL(url).pathname
  } catch {
    // Already bare.
  }
  const last = path.split("/").filter((part) => part !== "").pop() ?? ""
  try {
    return decodeURIComponent(last)
  } catch {
    return last
  }
}

/** The lab client's exact SETUP Transport header (note the space after `=`). */
export const classicTransport = (rtpPort: number): string => `RTP/UDP; client_port= ${rtpPort}`

/** A classic session id as the lab client accepts it: decimal digits, not all zeros. */
export const isClassicSessionId = (value: string): boolean => /^\d+$/.test(value) && !/^0+$/.test(value)

const NO_LINE_BREAK = /^[^\r\n]*$/

/** A request as the lab client writes it: `\n` line ends, no final blank line. */
export const serializeClassicRequest = (method: string, target: string, headers: ReadonlyArray<readonly [string, string]>): Buffer => {
  const lines = [`${method} ${target} RTSP/1.0`, ...headers.map(([name, value]) => `${name}: ${value}`)]
  for (const line of lines) {
    // Our own inputs: a line break would inject a header, as serializeRequest also refuses.
    if (!NO_LINE_BREAK.test(line)) throw new RangeError(`classic request line ${JSON.stringify(line)} contains CR or LF`)
  }
  return Buffer.from(lines.join("\n"), "utf8")
}

/** The classic reply layout: status, CSeq and Session on lines 1–3, one space after each colon, nothing else. */
export const serializeClassicReply = (status: number, cseq: string, sessionId: string): Buffer => {
  for (const field of [cseq, sessionId]) {
    if (!NO_LINE_BREAK.test(field)) throw new RangeError(`classic reply field ${JSON.stringify(field)} contains CR or LF`)
  }
  return Buffer.from(`RTSP/1.0 ${status} ${reasonPhrase(status)}\r\nCSeq: ${cseq}\r\nSession: ${sessionId}\r\n\r\n`)
}
