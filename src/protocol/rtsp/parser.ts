/**
 * Incremental RTSP parser for one TCP byte stream (RFC 2326 §4, §6, §7, §10.12).
 *
 * `push(chunk)` returns every item completed by the chunk, in stream order: requests, responses,
 * `$` interleaved frames and errors (as values; the parser never throws). It copes with any
 * chunking, `\n` or `\r\n` line ends, RFC 2616 folded header lines, bodies by Content-Length, and
 * empty lines between messages (skipped).
 *
 * The classic Kurose–Ross client sends no final blank line (`SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\n
 * Transport: RTP/UDP; client_port= 25000`, one request per TCP write), so such a request only ends
 * by silence: when `pendingLooksComplete()` the server arms a short idle timer, and on expiry calls
 * `flushIdle()`, which returns the buffered header section as a message if it is plausibly whole.
 *
 * Errors: see `RtspParseError`. A fatal one (framing lost) is returned once, then the parser is
 * poisoned: later pushes and flushes return `[]`, buffered and new bytes are dropped, and
 * `failure()` returns the error. A recoverable one replaces its message (body skipped) and parsing
 * continues with the next message.
 *
 * Memory: bodies and payloads are views (`subarray`) of the pushed chunks, or of one concatenation
 * when an item straddles chunks; the parser never writes to a chunk, so the caller must not either
 * once it has pushed it (Node socket chunks are never reused).
 */
import { Either } from "effect"
import { asBuffer } from "../bytes.js"
import { RtspParseError } from "./errors.js"
import { INTERLEAVED_HEADER_SIZE, INTERLEAVED_MARKER, REQUEST_LINE, TOKEN } from "./grammar.js"
import type { InterleavedFrame, RtspHeaders, RtspMessage, RtspRequest, RtspResponse } from "./message.js"
import { EMPTY_BODY, getHeader, getHeaders } from "./message.js"

export const DEFAULT_MAX_HEADER_BYTES = 8192
export const DEFAULT_MAX_HEADERS = 64
export const DEFAULT_MAX_BODY_BYTES = 65536

export interface RtspParserOptions {
  /** Largest header section (start line through the blank line), in bytes. Default 8192. */
  readonly maxHeaderBytes?: number
  /** Most header lines (after folding) in one message. Default 64. */
  readonly maxHeaders?: number
  /** Largest Content-Length accepted. Default 65536. Interleaved frames are bounded by their 16-bit length. */
  readonly maxBodyBytes?: number
}

export type RtspParseResult = RtspRequest | RtspResponse | InterleavedFrame | RtspParseError

export interface RtspParser {
  /** Feeds the next bytes of the stream; returns the items they complete. */
  readonly push: (chunk: Uint8Array) => ReadonlyArray<RtspParseResult>
  /**
   * Call after an idle pause: if the buffered bytes are a plausibly complete header section without
   * its final blank line (see `pendingLooksComplete`), returns it as a message with an empty body
   * and clears the buffer; otherwise returns `[]` and keeps the bytes.
   */
  readonly flushIdle: () => ReadonlyArray<RtspParseResult>
  /** True while a message or frame has begun but has not been returned yet. */
  readonly hasPendingBytes: () => boolean
  /**
   * True when the buffered bytes are a start line (request, or response for a client facing a classic
   * server) and zero or more complete `Name: value` lines, the last possibly unterminated, with no
   * Content-Length above 0: i.e. `flushIdle()` would return a message now. It re-parses the buffered
   * bytes (up to maxHeaderBytes) on each call; a server can instead (re)arm its idle timer whenever
   * `hasPendingBytes()` after a push and let `flushIdle()` decide, which bounds that work by time.
   */
  readonly pendingLooksComplete: () => boolean
  /** The fatal error that poisoned the parser, if any. */
  readonly failure: () => RtspParseError | undefined
}

interface Limits {
  readonly maxHeaderBytes: number
  readonly maxHeaders: number
  readonly maxBodyBytes: number
}

type StartLine =
  | { readonly _tag: "Request"; readonly method: string; readonly uri: string; readonly version: string }
  | { readonly _tag: "Response"; readonly version: string; readonly statusCode: number; readonly reason: string }

type State =
  /** At a message boundary; `head` holds the start of a header section or of a `$` header. */
  | { readonly _tag: "Start" }
  /** Reading a frame payload; `parts` holds the payload bytes so far. */
  | { readonly _tag: "Frame"; readonly channel: number; readonly length: number }
  /** Reading a body; `parts` holds the body bytes so far. `head` is an error when the message is skipped. */
  | { readonly _tag: "Body"; readonly head: StartLine | RtspParseError; readonly headers: RtspHeaders; readonly length: number }
  | { readonly _tag: "Poisoned"; readonly error: RtspParseError }

const CR = 0x0d
const LF = 0x0a
const START: State = { _tag: "Start" }

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
const splitLines = (bytes: Buffer): Array<string> => {
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

const analyzeHead = (lines: ReadonlyArray<string>, offset: number, limits: Limits): HeadAnalysis => {
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

const buildMessage = (start: StartLine, headers: RtspHeaders, body: Buffer): RtspMessage =>
  start._tag === "Request"
    ? { _tag: "Request", method: start.method, uri: start.uri, version: start.version, headers, body }
    : { _tag: "Response", version: start.version, statusCode: start.statusCode, reason: start.reason, headers, body }

export const makeRtspParser = (options: RtspParserOptions = {}): RtspParser => {
  const limits: Limits = {
    maxHeaderBytes: options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES,
    maxHeaders: options.maxHeaders ?? DEFAULT_MAX_HEADERS,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  }

  let state: State = START
  /**
   * Start state: the beginning of a header section (or of a `$` header) that straddles chunks, copied
   * into a reusable buffer so that a header dripping in byte by byte costs linear time.
   */
  let head: Buffer = Buffer.alloc(0)
  let headLength = 0
  /** Offset (from the message start) of the first line of `head` not yet checked for blankness. */
  let scanFrom = 0
  /** Frame and Body states: the payload or body bytes so far (views of the pushed chunks). */
  let parts: Array<Buffer> = []
  let partsLength = 0
  /** Stream offset of the first pending byte (or of the next byte to arrive). */
  let pendingBase = 0

  const keepHead = (bytes: Buffer): void => {
    const needed = headLength + bytes.length
    if (needed > head.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, head.length * 2, 256))
      head.copy(grown, 0, 0, headLength)
      head = grown
    }
    bytes.copy(head, headLength)
    headLength = needed
  }

  const poison = (error: RtspParseError, out: Array<RtspParseResult>): void => {
    state = { _tag: "Poisoned", error }
    headLength = 0
    parts = []
    partsLength = 0
    out.push(error)
  }

  const headerTooLarge = (offset: number): RtspParseError =>
    new RtspParseError({
      reason: "HeaderTooLarge",
      message: `header section exceeds ${limits.maxHeaderBytes} bytes without a blank line (message at byte ${offset})`,
      fatal: true,
      offset
    })

  /**
   * Finds the blank line ending the header section that starts at `start`, resuming at `scanFrom`.
   * Returns where the blank line begins and the index just past it, or undefined when there is none
   * within the header limit yet (then `scanFrom` records how far the search got).
   */
  const findHeaderEnd = (buf: Buffer, start: number): { readonly textEnd: number; readonly end: number } | undefined => {
    const limitEnd = start + limits.maxHeaderBytes
    let lineStart = start + scanFrom
    while (lineStart < limitEnd) {
      const lf = buf.indexOf(LF, lineStart)
      if (lf === -1 || lf >= limitEnd) break
      const blank = lf === lineStart || (lf === lineStart + 1 && buf[lineStart] === CR)
      if (blank && lineStart > start) {
        scanFrom = 0
        return { textEnd: lineStart, end: lf + 1 }
      }
      lineStart = lf + 1
    }
    scanFrom = Math.min(lineStart, limitEnd) - start
    return undefined
  }

  /** Enters the Body state for a complete header section (even a malformed one), or poisons. */
  const beginMessage = (headerText: Buffer, offset: number, out: Array<RtspParseResult>): void => {
    const analysis = analyzeHead(splitLines(headerText), offset, limits)
    if (analysis._tag === "Fatal") return poison(analysis.error, out)
    state = {
      _tag: "Body",
      head: analysis._tag === "Ok" ? analysis.start : analysis.error,
      headers: analysis.headers,
      length: analysis.contentLength
    }
  }

  /**
   * Parses as much of `buf` (which starts at stream offset `base`) as possible and returns the bytes
   * consumed. In Start state `buf` begins at a message boundary.
   */
  const drain = (buf: Buffer, base: number, out: Array<RtspParseResult>): number => {
    let pos = 0
    for (;;) {
      switch (state._tag) {
        case "Poisoned":
          return buf.length
        case "Frame": {
          if (buf.length - pos < state.length) return pos
          out.push({ _tag: "Interleaved", channel: state.channel, payload: buf.subarray(pos, pos + state.length) })
          pos += state.length
          state = START
          break
        }
        case "Body": {
          if (buf.length - pos < state.length) return pos
          const body = buf.subarray(pos, pos + state.length)
          out.push(state.head instanceof RtspParseError ? state.head : buildMessage(state.head, state.headers, body))
          pos += state.length
          state = START
          break
        }
        case "Start": {
          // Empty lines between messages (and a blank line that follows an idle flush) are skipped.
          while (pos < buf.length && (buf[pos] === CR || buf[pos] === LF)) pos++
          if (pos === buf.length) return pos
          if (buf[pos] === INTERLEAVED_MARKER) {
            if (buf.length - pos < INTERLEAVED_HEADER_SIZE) return pos
            state = { _tag: "Frame", channel: buf[pos + 1]!, length: buf.readUInt16BE(pos + 2) }
            pos += INTERLEAVED_HEADER_SIZE
            break
          }
          const found = findHeaderEnd(buf, pos)
          if (found === undefined) {
            if (buf.length - pos < limits.maxHeaderBytes) return pos
            poison(headerTooLarge(base + pos), out)
            return buf.length
          }
          beginMessage(buf.subarray(pos, found.textEnd), base + pos, out)
          pos = found.end
          break
        }
      }
    }
  }

  /**
   * Feeds `input` to a header section begun in `head`. Returns the rest of `input` after the header
   * section once it is complete, or undefined while it is not (or the parser got poisoned).
   */
  const continueHead = (input: Buffer, out: Array<RtspParseResult>): Buffer | undefined => {
    // The blank line must fall within maxHeaderBytes of the message start: look no further.
    const before = headLength
    keepHead(input.subarray(0, limits.maxHeaderBytes - before))
    const found = findHeaderEnd(head.subarray(0, headLength), 0)
    if (found === undefined) {
      if (headLength >= limits.maxHeaderBytes) poison(headerTooLarge(pendingBase), out)
      return undefined
    }
    headLength = 0
    beginMessage(head.subarray(0, found.textEnd), pendingBase, out)
    pendingBase += found.end
    return input.subarray(found.end - before)
  }

  const push = (chunk: Uint8Array): ReadonlyArray<RtspParseResult> => {
    if (state._tag === "Poisoned") return []
    let input = asBuffer(chunk)
    const out: Array<RtspParseResult> = []
    if (partsLength > 0 && (state._tag === "Frame" || state._tag === "Body")) {
      // Collect chunks until the payload is whole, then copy once: no quadratic re-concatenation.
      const missing = state.length - partsLength
      if (input.length < missing) {
        parts.push(input)
        partsLength += input.length
        return out
      }
      const whole = Buffer.concat([...parts, input.subarray(0, missing)], state.length)
      parts = []
      partsLength = 0
      pendingBase += drain(whole, pendingBase, out)
      input = input.subarray(missing)
    } else if (headLength > 0) {
      if (head[0] === INTERLEAVED_MARKER) {
        // At most 3 bytes of a `$` header.
        input = Buffer.concat([head.subarray(0, headLength), input])
        headLength = 0
      } else {
        const rest = continueHead(input, out)
        if (rest === undefined) return out
        input = rest
      }
    }
    const consumed = drain(input, pendingBase, out)
    pendingBase += consumed
    // Once poisoned, drain consumed everything: nothing is kept.
    if (consumed < input.length) {
      const rest = input.subarray(consumed)
      if (state._tag === "Start") {
        keepHead(rest)
      } else {
        parts = [rest]
        partsLength = rest.length
      }
    }
    return out
  }

  /** The buffered header section as a message, if it is plausibly whole without its blank line. */
  const idleCandidate = (): RtspMessage | undefined => {
    if (state._tag !== "Start" || headLength === 0 || head[0] === INTERLEAVED_MARKER) return undefined
    const analysis = analyzeHead(splitLines(head.subarray(0, headLength)), pendingBase, limits)
    if (analysis._tag !== "Ok" || analysis.contentLength > 0) return undefined
    return buildMessage(analysis.start, analysis.headers, EMPTY_BODY)
  }

  const flushIdle = (): ReadonlyArray<RtspParseResult> => {
    const message = idleCandidate()
    if (message === undefined) return []
    pendingBase += headLength
    headLength = 0
    scanFrom = 0
    return [message]
  }

  return {
    push,
    flushIdle,
    hasPendingBytes: () => headLength > 0 || state._tag === "Frame" || state._tag === "Body",
    pendingLooksComplete: () => idleCandidate() !== undefined,
    failure: () => (state._tag === "Poisoned" ? state.error : undefined)
  }
}

/**
 * Parses bytes that hold exactly one message. The end of the input also ends the header section, so
 * a classic request without its blank line parses too.
 */
export const parseRtspMessage = (
  bytes: Uint8Array,
  options: RtspParserOptions = {}
): Either.Either<RtspMessage, RtspParseError> => {
  const parser = makeRtspParser(options)
  const pushed = parser.push(bytes)
  const results = pushed.length > 0 ? pushed : parser.flushIdle()
  const first = results[0]
  const fail = (reason: "Incomplete" | "TrailingData" | "BadStartLine", message: string) =>
    Either.left(new RtspParseError({ reason, message, fatal: true, offset: 0 }))
  if (first === undefined) {
    const message = parser.hasPendingBytes()
      ? `input of ${bytes.length} bytes ends inside a message`
      : "input holds no message"
    return fail("Incomplete", message)
  }
  if (first._tag === "RtspParseError") return Either.left(first)
  if (first._tag === "Interleaved") return fail("BadStartLine", "input starts with a `$` interleaved frame, not a message")
  if (results.length > 1 || parser.hasPendingBytes()) return fail("TrailingData", "input holds more than one message")
  return Either.right(first)
}
