/** RTSP parser framing: interleaved frames among messages, bodies, arbitrary chunking, and one-shot parseRtspMessage. */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { makeInterleavedFrame, makeRequest, makeResponse } from "../../../src/protocol/rtsp/message.js"
import { makeRtspParser, parseRtspMessage } from "../../../src/protocol/rtsp/parser.js"
import { serializeInterleaved, serializeMessage } from "../../../src/protocol/rtsp/serializer.js"
import { byteByByte, bytes, options, pushAll } from "./parserKit.js"

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
