import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { RtspParseError } from "../../../src/protocol/rtsp/errors.js"
import type { RtspMessage } from "../../../src/protocol/rtsp/message.js"
import { makeInterleavedFrame, makeRequest, makeResponse } from "../../../src/protocol/rtsp/message.js"
import type { RtspParser, RtspParseResult } from "../../../src/protocol/rtsp/parser.js"
import { makeRtspParser, parseRtspMessage } from "../../../src/protocol/rtsp/parser.js"
import { serializeInterleaved, serializeMessage } from "../../../src/protocol/rtsp/serializer.js"

const bytes = (text: string): Buffer => Buffer.from(text, "utf8")

const pushAll = (parser: RtspParser, chunks: ReadonlyArray<Uint8Array>): Array<RtspParseResult> =>
  chunks.flatMap((chunk) => [...parser.push(chunk)])

const byteByByte = (data: Buffer): Array<Buffer> => Array.from(data, (_, i) => data.subarray(i, i + 1))

const errorOf = (result: RtspParseResult | undefined): RtspParseError => {
  expect(result).toBeInstanceOf(RtspParseError)
  return result as RtspParseError
}

const options = makeRequest({ method: "OPTIONS", uri: "*", headers: [["CSeq", "1"]] })
const playResponse = makeResponse({
  statusCode: 200,
  headers: [
    ["CSeq", "4"],
    ["Session", "abc"]
  ]
})

describe("interleaved frames", () => {
  const rtp = Buffer.from([0x80, 0x1a, 0x00, 0x01, 0, 0, 0, 0, 1, 2, 3, 4, 0xff, 0xd8, 0x24, 0x0d, 0x0a])
  const rtcp = Buffer.from([0x81, 0xc9, 0x00, 0x07])

  it("a client sees responses and RTP/RTCP frames mixed, however the stream is chunked", () => {
    const stream = Buffer.concat([
      serializeMessage(playResponse),
      serializeInterleaved(0, rtp),
      serializeInterleaved(1, rtcp),
      serializeInterleaved(0, rtp),
      serializeMessage(makeResponse({ statusCode: 200, headers: [["CSeq", "5"]] })),
      serializeInterleaved(0, Buffer.alloc(0))
    ])
    const expected = [
      playResponse,
      makeInterleavedFrame(0, rtp),
      makeInterleavedFrame(1, rtcp),
      makeInterleavedFrame(0, rtp),
      makeResponse({ statusCode: 200, headers: [["CSeq", "5"]] }),
      makeInterleavedFrame(0, Buffer.alloc(0))
    ]
    expect(makeRtspParser().push(stream)).toEqual(expected)
    expect(pushAll(makeRtspParser(), byteByByte(stream))).toEqual(expected)
  })

  it("a server sees RTCP frames between requests", () => {
    const keepAlive = makeRequest({
      method: "GET_PARAMETER",
      uri: "rtsp://h/movie",
      headers: [
        ["CSeq", "6"],
        ["Session", "abc"]
      ]
    })
    const stream = Buffer.concat([
      serializeInterleaved(1, rtcp),
      serializeMessage(keepAlive),
      serializeInterleaved(3, rtcp),
      serializeMessage(options)
    ])
    expect(pushAll(makeRtspParser(), [stream.subarray(0, 5), stream.subarray(5, 30), stream.subarray(30)])).toEqual([
      makeInterleavedFrame(1, rtcp),
      keepAlive,
      makeInterleavedFrame(3, rtcp),
      options
    ])
  })

  it("a payload full of RTSP-looking bytes stays one frame", () => {
    const payload = bytes("RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n$\x00\x00\x01")
    expect(makeRtspParser().push(serializeInterleaved(4, payload))).toEqual([makeInterleavedFrame(4, payload)])
  })

  it("a 65535-byte frame split into many chunks arrives whole", () => {
    const payload = Buffer.alloc(65535, 7)
    const wire = serializeInterleaved(0, payload)
    const parser = makeRtspParser()
    const chunks: Array<Buffer> = []
    for (let i = 0; i < wire.length; i += 1000) chunks.push(wire.subarray(i, i + 1000))
    const results = pushAll(parser, chunks)
    expect(results).toEqual([makeInterleavedFrame(0, payload)])
    expect(parser.hasPendingBytes()).toBe(false)
  })

  it("frame payloads from a single chunk are views, not copies", () => {
    const wire = Buffer.concat([serializeInterleaved(0, rtp), serializeInterleaved(1, rtcp)])
    const [first] = makeRtspParser().push(wire)
    expect(first?._tag).toBe("Interleaved")
    if (first?._tag === "Interleaved") expect(first.payload.buffer).toBe(wire.buffer)
  })

  it("reports a frame in progress as pending", () => {
    const parser = makeRtspParser()
    expect(parser.push(Buffer.from([0x24, 0, 0]))).toEqual([])
    expect(parser.hasPendingBytes()).toBe(true)
    expect(parser.pendingLooksComplete()).toBe(false)
    expect(parser.flushIdle()).toEqual([])
    expect(parser.push(Buffer.from([2, 9]))).toEqual([])
    expect(parser.hasPendingBytes()).toBe(true)
    expect(parser.push(Buffer.from([8]))).toEqual([makeInterleavedFrame(0, Buffer.from([9, 8]))])
    expect(parser.hasPendingBytes()).toBe(false)
  })
})

describe("bodies", () => {
  it("a body split across chunks, followed by the next message in the same chunk", () => {
    const describe200 = makeResponse({
      statusCode: 200,
      headers: [
        ["CSeq", "2"],
        ["Content-Length", "10"]
      ],
      body: bytes("v=0\r\ns=x\r\n")
    })
    const wire = Buffer.concat([serializeMessage(describe200), serializeMessage(playResponse)])
    const headEnd = wire.indexOf("\r\n\r\n") + 4
    const parser = makeRtspParser()
    expect(parser.push(wire.subarray(0, headEnd + 3))).toEqual([])
    expect(parser.hasPendingBytes()).toBe(true)
    expect(parser.pendingLooksComplete()).toBe(false)
    expect(parser.flushIdle()).toEqual([])
    expect(parser.push(wire.subarray(headEnd + 3, headEnd + 7))).toEqual([])
    expect(parser.push(wire.subarray(headEnd + 7))).toEqual([describe200, playResponse])
  })

  it("a body whose header ended exactly at a chunk boundary", () => {
    const parser = makeRtspParser()
    expect(parser.push(bytes("RTSP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n"))).toEqual([])
    expect(parser.hasPendingBytes()).toBe(true)
    expect(parser.push(bytes("hi"))).toEqual([
      makeResponse({ statusCode: 200, headers: [["Content-Length", "2"]], body: bytes("hi") })
    ])
  })

  it("without Content-Length a message has no body", () => {
    expect(makeRtspParser().push(bytes("RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\nRTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n"))).toEqual([
      makeResponse({ statusCode: 200, headers: [["CSeq", "1"]] }),
      makeResponse({ statusCode: 200, headers: [["CSeq", "2"]] })
    ])
  })

  it("equal repeated Content-Length headers are accepted", () => {
    const [result] = makeRtspParser().push(bytes("RTSP/1.0 200 OK\r\nContent-Length: 2\r\nContent-Length: 02\r\n\r\nok"))
    expect(result?._tag).toBe("Response")
  })
})

describe("chunk handling", () => {
  it("accepts plain Uint8Array chunks, including views into a larger ArrayBuffer", () => {
    const wire = serializeMessage(options)
    const backing = new Uint8Array(wire.length + 10)
    backing.set(wire, 5)
    expect(makeRtspParser().push(backing.subarray(5, 5 + wire.length))).toEqual([options])
  })

  it("an empty chunk changes nothing", () => {
    const parser = makeRtspParser()
    expect(parser.push(new Uint8Array(0))).toEqual([])
    parser.push(bytes("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n"))
    expect(parser.push(new Uint8Array(0))).toEqual([])
    expect(parser.push(bytes("\r\n"))).toEqual([options])
  })
})

describe("limits", () => {
  const headerOfSize = (size: number): Buffer => {
    const fixed = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX-Pad: \r\n\r\n"
    return bytes(fixed.replace("X-Pad: ", `X-Pad: ${"a".repeat(size - fixed.length)}`))
  }

  it("accepts a header section of exactly 8192 bytes", () => {
    const wire = headerOfSize(8192)
    expect(wire.length).toBe(8192)
    const results = makeRtspParser().push(wire)
    expect(results).toHaveLength(1)
    expect(results[0]?._tag).toBe("Request")
  })

  it("a header section of 8193 bytes is HeaderTooLarge, fatal, reported once", () => {
    const parser = makeRtspParser()
    const results = pushAll(parser, byteByByte(headerOfSize(8193)))
    expect(results).toHaveLength(1)
    const error = errorOf(results[0])
    expect(error.reason).toBe("HeaderTooLarge")
    expect(error.fatal).toBe(true)
    expect(error.message).toContain("8192")
    expect(parser.failure()).toBe(error)
  })

  it("an endless header is HeaderTooLarge as soon as 8192 bytes arrive", () => {
    const parser = makeRtspParser()
    expect(parser.push(bytes(`OPTIONS * RTSP/1.0\r\nX: ${"a".repeat(8100)}`))).toEqual([])
    const results = parser.push(bytes("a".repeat(200)))
    expect(errorOf(results[0]).reason).toBe("HeaderTooLarge")
  })

  it("after a fatal error the parser is poisoned: no results, no pending bytes, same failure", () => {
    const parser = makeRtspParser()
    const [error] = parser.push(bytes("PLAY * RTSP/1.0\r\nContent-Length: -1\r\n\r\n"))
    expect(errorOf(error).reason).toBe("BadContentLength")
    expect(parser.push(serializeMessage(options))).toEqual([])
    expect(parser.push(bytes("OPTIONS * RTSP/1.0\r\nCSeq: 2"))).toEqual([])
    expect(parser.flushIdle()).toEqual([])
    expect(parser.hasPendingBytes()).toBe(false)
    expect(parser.pendingLooksComplete()).toBe(false)
    expect(parser.failure()).toBe(error)
  })

  it("64 headers are fine; 65 is TooManyHeaders, recoverable, body skipped, CSeq kept", () => {
    const withHeaders = (n: number, body = ""): string =>
      `SET_PARAMETER * RTSP/1.0\r\nCSeq: 8\r\n${Array.from({ length: n - 2 }, (_, i) => `X-${i}: ${i}\r\n`).join("")}` +
      `Content-Length: ${body.length}\r\n\r\n${body}`
    const parser = makeRtspParser()
    const ok = parser.push(bytes(withHeaders(64)))
    expect(ok).toHaveLength(1)
    expect(ok[0]?._tag === "Request" && ok[0].headers.length).toBe(64)
    const results = parser.push(Buffer.concat([bytes(withHeaders(65, "$\x00\x00\x01")), serializeMessage(options)]))
    expect(results).toHaveLength(2)
    const error = errorOf(results[0])
    expect(error.reason).toBe("TooManyHeaders")
    expect(error.fatal).toBe(false)
    expect(error.cseq).toBe("8")
    expect(error.message).toContain("65 headers, the limit is 64")
    expect(results[1]).toEqual(options)
    expect(parser.failure()).toBeUndefined()
  })

  it("a 65536-byte body is fine; 65537 is BodyTooLarge and fatal", () => {
    const body = Buffer.alloc(65536, 0x61)
    const big = makeRequest({ method: "ANNOUNCE", uri: "*", headers: [["Content-Length", "65536"]], body })
    expect(makeRtspParser().push(serializeMessage(big))).toEqual([big])

    const parser = makeRtspParser()
    const results = parser.push(bytes("ANNOUNCE * RTSP/1.0\r\nCSeq: 2\r\nContent-Length: 65537\r\n\r\n"))
    const error = errorOf(results[0])
    expect(error.reason).toBe("BodyTooLarge")
    expect(error.fatal).toBe(true)
    expect(error.message).toContain("65536")
    expect(error.cseq).toBe("2")
  })

  it("a Content-Length beyond any number is BodyTooLarge", () => {
    const [result] = makeRtspParser().push(bytes(`PLAY * RTSP/1.0\r\nContent-Length: ${"9".repeat(40)}\r\n\r\n`))
    expect(errorOf(result).reason).toBe("BodyTooLarge")
  })

  it("limits can be set per parser", () => {
    const parser = makeRtspParser({ maxHeaderBytes: 64, maxHeaders: 1, maxBodyBytes: 3 })
    const [tooMany, next, tooLarge] = parser.push(
      bytes("OPTIONS * RTSP/1.0\r\nA: 1\r\nB: 2\r\n\r\nOPTIONS * RTSP/1.0\r\nA: 1\r\n\r\nPLAY * RTSP/1.0\r\nContent-Length: 4\r\n\r\n")
    )
    expect(errorOf(tooMany).message).toContain("the limit is 1")
    expect(next?._tag).toBe("Request")
    expect(errorOf(tooLarge).message).toContain("body limit of 3 bytes")
    const header = makeRtspParser({ maxHeaderBytes: 64 }).push(bytes(`OPTIONS * RTSP/1.0\r\nX: ${"a".repeat(60)}\r\n\r\n`))
    expect(errorOf(header[0]).message).toContain("exceeds 64 bytes")
  })

  it.each([
    ["negative", "-1"],
    ["not a number", "abc"],
    ["empty", ""],
    ["two numbers", "1 2"],
    ["a fraction", "1.5"]
  ])("a %s Content-Length is BadContentLength", (_, value) => {
    const [result] = makeRtspParser().push(bytes(`DESCRIBE * RTSP/1.0\r\nCSeq: 3\r\nContent-Length: ${value}\r\n\r\n`))
    const error = errorOf(result)
    expect(error.reason).toBe("BadContentLength")
    expect(error.fatal).toBe(true)
  })

  it("conflicting Content-Length headers are BadContentLength", () => {
    const [result] = makeRtspParser().push(bytes("PLAY * RTSP/1.0\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"))
    expect(errorOf(result).reason).toBe("BadContentLength")
  })
})

describe("recoverable errors", () => {
  it.each([
    ["a single word", "HELLO"],
    ["an HTTP request", "GET / HTTP/1.1"],
    ["a lowercase version", "OPTIONS * rtsp/1.0"],
    ["a missing URI", "OPTIONS RTSP/1.0"],
    ["a two-digit status", "RTSP/1.0 20 OK"],
    ["a four-digit status", "RTSP/1.0 2000 OK"],
    ["a version without minor", "OPTIONS * RTSP/1"],
    ["a bare CR inside", "OPTIONS * RTSP/1.0\rX"]
  ])("BadStartLine for %s, then the next message parses", (_, startLine) => {
    const parser = makeRtspParser()
    const results = parser.push(bytes(`${startLine}\r\nCSeq: 5\r\n\r\nOPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n`))
    expect(results).toHaveLength(2)
    const error = errorOf(results[0])
    expect(error.reason).toBe("BadStartLine")
    expect(error.fatal).toBe(false)
    expect(error.cseq).toBe("5")
    expect(error.offset).toBe(0)
    expect(results[1]).toEqual(options)
  })

  it.each([
    ["a line without a colon", "NoColonHere"],
    ["an empty name", ": value"],
    ["a name with a space", "Bad Name: value"],
    ["a bare CR in a line", "X: a\rb"]
  ])("BadHeaderLine for %s, with its body skipped", (_, line) => {
    const results = makeRtspParser().push(
      bytes(`SET_PARAMETER * RTSP/1.0\r\nCSeq: 3\r\n${line}\r\nContent-Length: 5\r\n\r\n$\x01\x00\x00\nOPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n`)
    )
    expect(results).toHaveLength(2)
    const error = errorOf(results[0])
    expect(error.reason).toBe("BadHeaderLine")
    expect(error.message).toContain("line 3")
    expect(error.cseq).toBe("3")
    expect(results[1]).toEqual(options)
  })

  it("a continuation line first is BadHeaderLine", () => {
    const [result] = makeRtspParser().push(bytes("OPTIONS * RTSP/1.0\r\n folded: x\r\nCSeq: 1\r\n\r\n"))
    expect(errorOf(result).reason).toBe("BadHeaderLine")
  })

  it("error offsets count from the start of the stream", () => {
    const first = serializeMessage(options)
    const results = makeRtspParser().push(Buffer.concat([first, bytes("\r\nBAD\r\n\r\n")]))
    const error = errorOf(results[1])
    expect(error.offset).toBe(first.length + 2)
    expect(error.message).toContain(`byte ${first.length + 2}`)
  })
})

describe("classic client framing (flushIdle)", () => {
  const setup = "SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 25000"
  const classic = (method: string, cseq: number, last: readonly [string, string]): RtspMessage =>
    makeRequest({ method, uri: "movie.Mjpeg", headers: [["CSeq", String(cseq)], last] })

  it("an unterminated request is held until the idle flush", () => {
    const parser = makeRtspParser()
    expect(parser.push(bytes(setup))).toEqual([])
    expect(parser.hasPendingBytes()).toBe(true)
    expect(parser.pendingLooksComplete()).toBe(true)
    expect(parser.flushIdle()).toEqual([classic("SETUP", 1, ["Transport", "RTP/UDP; client_port= 25000"])])
    expect(parser.hasPendingBytes()).toBe(false)
    expect(parser.pendingLooksComplete()).toBe(false)
    expect(parser.flushIdle()).toEqual([])
  })

  it("a whole classic session: one request per write, each flushed after a pause", () => {
    const parser = makeRtspParser()
    const requests: Array<[string, RtspMessage]> = [
      [setup, classic("SETUP", 1, ["Transport", "RTP/UDP; client_port= 25000"])],
      ["PLAY movie.Mjpeg RTSP/1.0\nCSeq: 2\nSession: 724553", classic("PLAY", 2, ["Session", "724553"])],
      ["PAUSE movie.Mjpeg RTSP/1.0\nCSeq: 3\nSession: 724553", classic("PAUSE", 3, ["Session", "724553"])],
      ["TEARDOWN movie.Mjpeg RTSP/1.0\nCSeq: 4\nSession: 724553", classic("TEARDOWN", 4, ["Session", "724553"])]
    ]
    for (const [wire, message] of requests) {
      expect(parser.push(bytes(wire))).toEqual([])
      expect(parser.flushIdle()).toEqual([message])
    }
  })

  it("the Java variant (CRLF, no blank line) flushes too", () => {
    const parser = makeRtspParser()
    parser.push(bytes("PLAY movie.Mjpeg RTSP/1.0\r\nCSeq: 2\r\nSession: 724553\r\n"))
    expect(parser.flushIdle()).toEqual([classic("PLAY", 2, ["Session", "724553"])])
  })

  it("a blank line arriving after the flush is skipped, not an error", () => {
    const parser = makeRtspParser()
    parser.push(bytes("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n"))
    expect(parser.flushIdle()).toEqual([options])
    expect(parser.push(bytes("\r\n"))).toEqual([])
    expect(parser.hasPendingBytes()).toBe(false)
  })

  it.each([
    ["a partial start line", "SETUP movie.Mjpeg RTS"],
    ["a start line without version", "SETUP movie.Mjpeg"],
    ["a partial header name", "SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransp"],
    ["a Content-Length with its body missing", "DESCRIBE x RTSP/1.0\nCSeq: 2\nContent-Length: 5"],
    ["garbage", "\x16\x03\x01\x02\x00\x01"]
  ])("%s does not look complete and is kept", (_, wire) => {
    const parser = makeRtspParser()
    expect(parser.push(bytes(wire))).toEqual([])
    expect(parser.hasPendingBytes()).toBe(true)
    expect(parser.pendingLooksComplete()).toBe(false)
    expect(parser.flushIdle()).toEqual([])
    expect(parser.hasPendingBytes()).toBe(true)
  })

  it("an incomplete request completed by later bytes then flushes", () => {
    const parser = makeRtspParser()
    parser.push(bytes("SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransp"))
    expect(parser.flushIdle()).toEqual([])
    parser.push(bytes("ort: RTP/UDP; client_port= 25000"))
    expect(parser.flushIdle()).toEqual([classic("SETUP", 1, ["Transport", "RTP/UDP; client_port= 25000"])])
  })

  it("a request ending in \\n\\n parses on push, no flush needed", () => {
    const parser = makeRtspParser()
    expect(parser.push(bytes(`${setup}\n\n`))).toEqual([
      classic("SETUP", 1, ["Transport", "RTP/UDP; client_port= 25000"])
    ])
    expect(parser.hasPendingBytes()).toBe(false)
    expect(parser.flushIdle()).toEqual([])
  })

  it("Content-Length: 0 is no obstacle", () => {
    const parser = makeRtspParser()
    parser.push(bytes("OPTIONS * RTSP/1.0\nCSeq: 1\nContent-Length: 0"))
    expect(parser.pendingLooksComplete()).toBe(true)
    expect(parser.flushIdle()).toHaveLength(1)
  })

  it("a classic server's unterminated reply flushes as a response (harness side)", () => {
    const parser = makeRtspParser()
    parser.push(bytes("RTSP/1.0 200 OK\nCSeq: 1\nSession: 724553"))
    expect(parser.flushIdle()).toEqual([
      makeResponse({
        statusCode: 200,
        headers: [
          ["CSeq", "1"],
          ["Session", "724553"]
        ]
      })
    ])
  })

  it("checking pendingLooksComplete does not consume anything", () => {
    const parser = makeRtspParser()
    parser.push(bytes("OPTIONS * RTSP/1.0\n"))
    parser.push(bytes("CSeq: 1"))
    expect(parser.pendingLooksComplete()).toBe(true)
    expect(parser.pendingLooksComplete()).toBe(true)
    expect(parser.push(bytes("\n\n"))).toEqual([options])
  })
})

describe("parseRtspMessage", () => {
  it("parses one message", () => {
    expect(parseRtspMessage(serializeMessage(options))).toEqual(Either.right(options))
  })

  it("is Incomplete for a truncated body or empty input", () => {
    const truncated = parseRtspMessage(bytes("RTSP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nab"))
    expect(Either.isLeft(truncated) && truncated.left.reason).toBe("Incomplete")
    const empty = parseRtspMessage(Buffer.alloc(0))
    expect(Either.isLeft(empty) && empty.left.reason).toBe("Incomplete")
  })

  it("is TrailingData for two messages", () => {
    const two = parseRtspMessage(Buffer.concat([serializeMessage(options), serializeMessage(options)]))
    expect(Either.isLeft(two) && two.left.reason).toBe("TrailingData")
  })

  it("returns the parser's error, and refuses an interleaved frame", () => {
    const bad = parseRtspMessage(bytes("BAD\r\n\r\n"))
    expect(Either.isLeft(bad) && bad.left.reason).toBe("BadStartLine")
    const frame = parseRtspMessage(serializeInterleaved(0, Buffer.from([1])))
    expect(Either.isLeft(frame) && frame.left.message).toContain("interleaved")
  })
})
