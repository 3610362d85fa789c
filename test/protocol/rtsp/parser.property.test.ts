import { describe, expect, it } from "@effect/vitest"
import { splitAt } from "../../support/chunking.js"
import fc from "fast-check"
import { RtspParseError } from "../../../src/protocol/rtsp/errors.js"
import type { InterleavedFrame, RtspMessage } from "../../../src/protocol/rtsp/message.js"
import { makeInterleavedFrame, makeRequest, makeResponse } from "../../../src/protocol/rtsp/message.js"
import type { RtspParserOptions, RtspParseResult } from "../../../src/protocol/rtsp/parser.js"
import { makeRtspParser } from "../../../src/protocol/rtsp/parser.js"
import { serializeInterleavedFrame, serializeMessage } from "../../../src/protocol/rtsp/serializer.js"

// ---------------------------------------------------------------------------------------------
// Generators

const token = fc.stringMatching(/^[A-Za-z0-9!#%&'*+.^_`|~-]{1,16}$/)
const headerName = token.filter((name) => name.toLowerCase() !== "content-length")
const noBreak = (s: string): boolean => !/[\r\n]/.test(s)
const trimmed = (s: string): boolean => !/^[ \t]|[ \t]$/.test(s)
const headerValue = fc
  .oneof(fc.string({ maxLength: 40 }), fc.fullUnicodeString({ maxLength: 20 }))
  .filter((s) => noBreak(s) && trimmed(s))
const uri = fc.oneof(
  fc.constantFrom("*", "movie.Mjpeg", "rtsp://127.0.0.1:8554/movie.Mjpeg/trackID=0"),
  fc.webUrl().map((url) => url.replace(/^https?/, "rtsp")),
  fc.fullUnicodeString({ minLength: 1, maxLength: 30 }).filter((s) => /^[^\s\x00-\x1f\x7f]+$/.test(s))
)
const version = fc.stringMatching(/^RTSP\/\d{1,2}\.\d{1,2}$/)
const headers = fc.array(fc.tuple(headerName, headerValue), { maxLength: 10 })
const body = fc.oneof(fc.constant(Buffer.alloc(0)), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)))

const request: fc.Arbitrary<RtspMessage> = fc
  .record({ method: token, uri, version, headers, body })
  .map((fields) => makeRequest(fields))
const response: fc.Arbitrary<RtspMessage> = fc
  .record({ statusCode: fc.integer({ min: 100, max: 999 }), reason: headerValue, version, headers, body })
  .map((fields) => makeResponse(fields))
const frame: fc.Arbitrary<InterleavedFrame> = fc
  .record({ channel: fc.integer({ min: 0, max: 255 }), payload: fc.uint8Array({ maxLength: 300 }) })
  .map(({ channel, payload }) => makeInterleavedFrame(channel, Buffer.from(payload)))
const item = fc.oneof(request, response, frame)

/** What the parser returns for a serialized item: the serializer adds Content-Length to a body. */
const expectedAfterRoundTrip = (value: RtspMessage | InterleavedFrame): RtspMessage | InterleavedFrame =>
  value._tag !== "Interleaved" && value.body.length > 0
    ? { ...value, headers: [...value.headers, ["Content-Length", String(value.body.length)]] }
    : value

const serializeItem = (value: RtspMessage | InterleavedFrame): Buffer =>
  value._tag === "Interleaved" ? serializeInterleavedFrame(value) : serializeMessage(value)


/** Plain data for comparing results, errors included (Error objects compare poorly). */
const normalize = (result: RtspParseResult): unknown =>
  result instanceof RtspParseError
    ? { error: result.reason, message: result.message, fatal: result.fatal, offset: result.offset, cseq: result.cseq }
    : result

// Bytes that steer arbitrary input into every parser state: start lines, headers, limits, frames.
const fragment = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
  fc
    .constantFrom(
      "OPTIONS * RTSP/1.0",
      "RTSP/1.0 200 OK",
      "SETUP movie.Mjpeg RTSP/1.0",
      "CSeq: 1",
      "Content-Length: 3",
      "Content-Length: 99999999",
      "Content-Length: x",
      " folded",
      "Bad Line",
      "\r\n",
      "\n",
      "\r\n\r\n",
      "\n\n",
      "$",
      "$\x00\x00\x02ab",
      "$\x01\xff\xff",
      "abc"
    )
    .map((s) => Buffer.from(s, "latin1"))
)

const smallLimits: fc.Arbitrary<RtspParserOptions> = fc.oneof(
  fc.constant({}),
  fc.record({
    maxHeaderBytes: fc.integer({ min: 1, max: 200 }),
    maxHeaders: fc.integer({ min: 0, max: 5 }),
    maxBodyBytes: fc.integer({ min: 0, max: 50 })
  })
)

type Action = { readonly push: Buffer } | { readonly flush: true } | { readonly peek: true }

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 8, arbitrary: fragment.map((push) => ({ push })) },
  { weight: 1, arbitrary: fc.constant({ flush: true as const }) },
  { weight: 1, arbitrary: fc.constant({ peek: true as const }) }
)

// ---------------------------------------------------------------------------------------------

describe("parser properties", () => {
  it("never throws on arbitrary chunks, flushes and peeks, and stays silent once poisoned", () => {
    fc.assert(
      fc.property(smallLimits, fc.array(action, { maxLength: 40 }), (limits, actions) => {
        const parser = makeRtspParser(limits)
        let fatalSeen = false
        for (const step of actions) {
          let results: ReadonlyArray<RtspParseResult> = []
          if ("push" in step) results = parser.push(step.push)
          else if ("flush" in step) results = parser.flushIdle()
          else expect(typeof parser.pendingLooksComplete()).toBe("boolean")
          if (fatalSeen) expect(results).toEqual([])
          for (const result of results) {
            expect(["Request", "Response", "Interleaved", "RtspParseError"]).toContain(result._tag)
            if (result instanceof RtspParseError && result.fatal) {
              fatalSeen = true
              expect(parser.failure()).toBe(result)
              expect(parser.hasPendingBytes()).toBe(false)
            }
          }
        }
      }),
      { numRuns: 300 }
    )
  })

  it("never throws on uniformly random bytes, and ignores how they are chunked", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(), { maxLength: 20 }), (data, cuts) => {
        const bytes = Buffer.from(data)
        const whole = makeRtspParser().push(bytes).map(normalize)
        const parser = makeRtspParser()
        const chunked = splitAt(bytes, cuts).flatMap((chunk) => parser.push(chunk).map(normalize))
        expect(chunked).toEqual(whole)
      }),
      { numRuns: 300 }
    )
  })

  it("results do not depend on chunking for RTSP-like streams", () => {
    fc.assert(
      fc.property(smallLimits, fc.array(fragment, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 30 }), (limits, parts, cuts) => {
        const bytes = Buffer.concat(parts)
        const whole = makeRtspParser(limits).push(bytes).map(normalize)
        const parser = makeRtspParser(limits)
        const chunked = splitAt(bytes, cuts).flatMap((chunk) => parser.push(chunk).map(normalize))
        expect(chunked).toEqual(whole)
      }),
      { numRuns: 300 }
    )
  })

  it("serialize -> parse is identity for generated messages", () => {
    fc.assert(
      fc.property(fc.oneof(request, response), (message) => {
        expect(makeRtspParser().push(serializeMessage(message))).toEqual([expectedAfterRoundTrip(message)])
      }),
      { numRuns: 300 }
    )
  })

  it("a stream of generated messages and frames, split anywhere, parses back in order", () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 30 }), (items, cuts) => {
        const stream = Buffer.concat(items.map(serializeItem))
        const parser = makeRtspParser()
        const results = splitAt(stream, cuts).flatMap((chunk) => [...parser.push(chunk)])
        expect(results).toEqual(items.map(expectedAfterRoundTrip))
        expect(parser.hasPendingBytes()).toBe(false)
      }),
      { numRuns: 300 }
    )
  })
})
