/**
 * One RTSP header section, once its extent is known: the start line, the
 * header lines (RFC 2616 folding), Content-Length and the limits. Pure; the
 * incremental parser (parser.ts) finds the sections in the byte stream.
 */
import { RtspParseError } from "./errors.js"
import { REQUEST_LINE, TOKEN } from "./grammar.js"
import type { RtspHeaders, RtspMessage } from "./message.js"
import { getHeader, getHeaders } from "./message.js"

export interface Limits {
  readonly maxHeaderBytes: number
  readonly maxHeaders: number
  readonly maxBodyBytes: number
}

export type StartLine =
  | { readonly _tag: "Request"; readonly method: string; readonly uri: string; readonly version: string }
  | { readonly _tag: "Response"; readonly version: string; readonly statusCode: number; readonly reason: string }

export const CR = 0x0d
export const LF = 0x0a

// Linear-time patterns (no nested or adjacent ambiguous quantifiers): input is untrusted.
const RESPONSE_LINE = /^(RTSP\/\d+\.\d+)[ \t]+(\d{3})(?:[ \t](.*))?$/s
const DIGITS = /^\d+$/

const isSpTab = (code: number): boolean => code === 0x20 || code === 0x09

const trimSpTab = (s: string): string => {
  let start = 0
  let end = s.length
  while (start < end && isSpTab(s.charCodeAt(start))) start++
  while (end > start && isSpTab(s.charCodeAt(end - 1))) end--
  return s.slice(start, end)
}

const quote = (line: string): string => JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line)

/** Header-section lines without their `\n` / `\r\n` ends; a trailing empty segment is dropped. */
export const splitLines = (bytes: Buffer): Array<string> => {
  const lines = bytes.toString("utf8").split("\n")
  if (lines[lines.length - 1] === "") lines.pop()
  return lines.map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line))
}

const parseStartLine = (line: string): StartLine | undefined => {
  if (line.includes("\r")) return undefined
  const request = REQUEST_LINE.exec(line)
  if (request !== null) {
    return { _tag: "Request", method: request[1]!, uri: request[2]!, version: request[3]! }
  }
  const response = RESPONSE_LINE.exec(line)
  if (response !== null) {
    return {
      _tag: "Response",
      version: response[1]!,
      statusCode: Number(response[2]),
      reason: trimSpTab(response[3] ?? "")
    }
  }
  return undefined
}

/** What a complete header section means for framing and for the caller. */
type HeadAnalysis =
  | { readonly _tag: "Ok"; readonly start: StartLine; readonly headers: RtspHeaders; readonly contentLength: number }
  /** Well framed but malformed: skip `contentLength` body bytes and report `error`. */
  | { readonly _tag: "Skip"; readonly error: RtspParseError; readonly headers: RtspHeaders; readonly contentLength: number }
  /** Framing lost. */
  | { readonly _tag: "Fatal"; readonly error: RtspParseError }

export const analyzeHead = (lines: ReadonlyArray<string>, offset: number, limits: Limits): HeadAnalysis => {
  const startText = lines[0] ?? ""
  const start = parseStartLine(startText)

  // Parse every header line, even after a bad one: Content-Length decides framing regardless.
  const headers: Array<[string, string]> = []
  let badLine: string | undefined
  let lastValid = false
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    if (line.includes("\r")) {
      badLine ??= `bad header line ${i + 1} ${quote(line)}: bare CR`
      lastValid = false
      continue
    }
    if (line.length > 0 && isSpTab(line.charCodeAt(0))) {
      // RFC 2616 §2.2 folding: a continuation line extends the previous value.
      const previous = headers[headers.length - 1]
      if (!lastValid || previous === undefined) {
        badLine ??= `bad header line ${i + 1} ${quote(line)}: continuation line with no header before it`
        continue
      }
      const more = trimSpTab(line)
      if (more.length > 0) previous[1] = previous[1].length > 0 ? `${previous[1]} ${more}` : more
      continue
    }
    const colon = line.indexOf(":")
    const name = colon > 0 ? trimSpTab(line.slice(0, colon)) : ""
    if (!TOKEN.test(name)) {
      badLine ??= `bad header line ${i + 1} ${quote(line)}: expected "Name: value"`
      lastValid = false
      continue
    }
    headers.push([name, trimSpTab(line.slice(colon + 1))])
    lastValid = true
  }

  const cseq = getHeader(headers, "CSeq")
  const fail = (reason: RtspParseError["reason"], message: string, fatal: boolean): RtspParseError =>
    new RtspParseError({ reason, message: `${message} (message at byte ${offset})`, fatal, offset, cseq })

  const lengths = getHeaders(headers, "Content-Length")
  let contentLength = 0
  if (lengths.length > 0) {
    const first = lengths[0]!
    if (lengths.some((value) => !DIGITS.test(value) || Number(value) !== Number(first))) {
      const shown = lengths.map(quote).join(", ")
      return {
        _tag: "Fatal",
        error: fail("BadContentLength", `bad Content-Length ${shown}: expected one decimal byte count`, true)
      }
    }
    // Beyond 15 digits Number() loses precision; any such value is over every sane limit anyway.
    contentLength = first.length > 15 ? Number.MAX_SAFE_INTEGER : Number(first)
    if (contentLength > limits.maxBodyBytes) {
      return {
        _tag: "Fatal",
        error: fail("BodyTooLarge", `Content-Length ${first} exceeds the body limit of ${limits.maxBodyBytes} bytes`, true)
      }
    }
  }

  if (start === undefined) {
    const message = `bad start line ${quote(startText)}: expected "METHOD URI RTSP/x.y" or "RTSP/x.y CODE reason"`
    return { _tag: "Skip", error: fail("BadStartLine", message, false), headers, contentLength }
  }
  if (badLine !== undefined) {
    return { _tag: "Skip", error: fail("BadHeaderLine", badLine, false), headers, contentLength }
  }
  if (headers.length > limits.maxHeaders) {
    const message = `message has ${headers.length} headers, the limit is ${limits.maxHeaders}`
    return { _tag: "Skip", error: fail("TooManyHeaders", message, false), headers, contentLength }
  }
  return { _tag: "Ok", start, headers, contentLength }
}

export const buildMessage = (start: StartLine, headers: RtspHeaders, body: Buffer): RtspMessage =>
  start._tag === "Request"
    ? { _tag: "Request", method: start.method, uri: start.uri, version: start.version, headers, body }
    : { _tag: "Response", version: start.version, statusCode: start.statusCode, reason: start.reason, headers, body }

