/** RTSP parser limits and errors: what it refuses (size, line and header limits) and which errors it recovers from. */
import { describe, expect, it } from "@effect/vitest"
import { RtspParseError } from "../../../src/protocol/rtsp/errors.js"
import { makeRequest } from "../../../src/protocol/rtsp/message.js"
import type { RtspParseResult } from "../../../src/protocol/rtsp/parser.js"
import { makeRtspParser } from "../../../src/protocol/rtsp/parser.js"
import { serializeMessage } from "../../../src/protocol/rtsp/serializer.js"
import { byteByByte, bytes, options, pushAll } from "./parserKit.js"

const errorOf = (result: RtspParseResult | undefined): RtspParseError => {
  expect(result).toBeInstanceOf(RtspParseError)
  return result as RtspParseError
}

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
