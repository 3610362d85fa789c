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
import { INTERLEAVED_HEADER_SIZE, INTERLEAVED_MARKER } from "./grammar.js"
import { analyzeHead, buildMessage, CR, LF, type Limits, splitLines, type StartLine } from "./headSection.js"
import type { InterleavedFrame, RtspHeaders, RtspMessage, RtspRequest, RtspResponse } from "./message.js"
import { EMPTY_BODY } from "./message.js"

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

type State =
  /** At a message boundary; `head` holds the start of a header section or of a `$` header. */
  | { readonly _tag: "Start" }
  /** Reading a frame payload; `parts` holds the payload bytes so far. */
  | { readonly _tag: "Frame"; readonly channel: number; readonly length: number }
  /** Reading a body; `parts` holds the body bytes so far. `head` is an error when the message is skipped. */
  | { readonly _tag: "Body"; readonly head: StartLine | RtspParseError; readonly headers: RtspHeaders; readonly length: number }
  | { readonly _tag: "Poisoned"; readonly error: RtspParseError }

const START: State = { _tag: "Start" }

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
