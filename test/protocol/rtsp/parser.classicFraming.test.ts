/** RTSP parser with classic clients: messages without the final blank line, completed by flushIdle. */
import { describe, expect, it } from "@effect/vitest"
import type { RtspMessage } from "../../../src/protocol/rtsp/message.js"
import { makeRequest, makeResponse } from "../../../src/protocol/rtsp/message.js"
import { makeRtspParser } from "../../../src/protocol/rtsp/parser.js"
import { bytes, options } from "./parserKit.js"

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
