import { describe, expect, it } from "@effect/vitest"
import { makeRequest, makeResponse } from "../../../src/protocol/rtsp/message.js"
import {
  interleavedHeader,
  MAX_INTERLEAVED_PAYLOAD,
  serializeInterleaved,
  serializeInterleavedFrame,
  serializeRequest,
  serializeResponse
} from "../../../src/protocol/rtsp/serializer.js"

describe("serializeRequest / serializeResponse", () => {
  it("adds Content-Length after the given headers when the body is non-empty", () => {
    const req = makeRequest({
      method: "SET_PARAMETER",
      uri: "rtsp://h/x",
      headers: [["CSeq", "5"]],
      body: Buffer.from("a: b\r\n")
    })
    expect(serializeRequest(req).toString()).toBe(
      "SET_PARAMETER rtsp://h/x RTSP/1.0\r\nCSeq: 5\r\nContent-Length: 6\r\n\r\na: b\r\n"
    )
  })

  it("counts bytes, not characters, for Content-Length", () => {
    const res = makeResponse({ statusCode: 200, body: Buffer.from("é", "utf8") })
    expect(serializeResponse(res).toString()).toBe("RTSP/1.0 200 OK\r\nContent-Length: 2\r\n\r\né")
  })

  it("keeps a given Content-Length (any case) and does not add another", () => {
    const res = makeResponse({ statusCode: 200, headers: [["content-length", "3"]], body: Buffer.from("abc") })
    expect(serializeResponse(res).toString()).toBe("RTSP/1.0 200 OK\r\ncontent-length: 3\r\n\r\nabc")
  })

  it("writes no Content-Length for an empty body", () => {
    expect(serializeResponse(makeResponse({ statusCode: 404 })).toString()).toBe("RTSP/1.0 404 Not Found\r\n\r\n")
  })

  it("copies binary bodies unchanged", () => {
    const body = Buffer.from([0, 255, 13, 10, 13, 10, 36])
    const bytes = serializeResponse(makeResponse({ statusCode: 200, body }))
    expect(bytes.subarray(bytes.length - body.length)).toEqual(body)
  })

  it.each([
    ["a method that is not a token", makeRequest({ method: "PL AY", uri: "*" })],
    ["a method starting with $ (reads back as a frame)", makeRequest({ method: "$PLAY", uri: "*" })],
    ["an empty URI", makeRequest({ method: "PLAY", uri: "" })],
    ["a URI with a space", makeRequest({ method: "PLAY", uri: "a b" })],
    ["a version with CRLF", makeRequest({ method: "PLAY", uri: "*", version: "RTSP/1.0\r\nX: y" })],
    ["a header value with CRLF", makeRequest({ method: "PLAY", uri: "*", headers: [["CSeq", "1\r\nSession: 9"]] })],
    ["a header value with a bare LF", makeRequest({ method: "PLAY", uri: "*", headers: [["CSeq", "1\nX: 1"]] })],
    ["a header name with a colon", makeRequest({ method: "PLAY", uri: "*", headers: [["CSeq:", "1"]] })],
    ["an empty header name", makeRequest({ method: "PLAY", uri: "*", headers: [["", "1"]] })],
    [
      "a Content-Length that disagrees with the body",
      makeRequest({ method: "PLAY", uri: "*", headers: [["Content-Length", "4"]], body: Buffer.from("abc") })
    ],
    ["a non-numeric Content-Length", makeRequest({ method: "PLAY", uri: "*", headers: [["Content-Length", "x"]] })]
  ])("throws RangeError for %s", (_, req) => {
    expect(() => serializeRequest(req)).toThrow(RangeError)
  })

  it.each([
    ["a status code below 100", makeResponse({ statusCode: 99 })],
    ["a four-digit status code", makeResponse({ statusCode: 1000 })],
    ["a fractional status code", makeResponse({ statusCode: 200.5 })],
    ["a reason with CRLF", makeResponse({ statusCode: 200, reason: "OK\r\nSession: 1" })]
  ])("throws RangeError for %s", (_, res) => {
    expect(() => serializeResponse(res)).toThrow(RangeError)
  })

  it("names the problem in the error message", () => {
    const req = makeRequest({ method: "PLAY", uri: "*", headers: [["Content-Length", "4"]], body: Buffer.from("abc") })
    expect(() => serializeRequest(req)).toThrow(/Content-Length "4" disagrees with the body length 3/)
  })
})

describe("interleaved frames", () => {
  it("interleavedHeader is $, channel, 16-bit big-endian length", () => {
    expect([...interleavedHeader(0, 0)]).toEqual([0x24, 0, 0, 0])
    expect([...interleavedHeader(1, 0x1234)]).toEqual([0x24, 1, 0x12, 0x34])
    expect([...interleavedHeader(255, MAX_INTERLEAVED_PAYLOAD)]).toEqual([0x24, 255, 0xff, 0xff])
  })

  it("serializeInterleaved is the header followed by the payload", () => {
    const payload = Buffer.from([0x80, 0x1a, 0x00, 0x01])
    expect([...serializeInterleaved(2, payload)]).toEqual([0x24, 2, 0, 4, 0x80, 0x1a, 0x00, 0x01])
    expect(serializeInterleavedFrame({ _tag: "Interleaved", channel: 2, payload })).toEqual(
      serializeInterleaved(2, payload)
    )
  })

  it("accepts a plain Uint8Array payload and the largest payload", () => {
    expect([...serializeInterleaved(3, new Uint8Array([9]))]).toEqual([0x24, 3, 0, 1, 9])
    expect(serializeInterleaved(0, Buffer.alloc(MAX_INTERLEAVED_PAYLOAD)).length).toBe(MAX_INTERLEAVED_PAYLOAD + 4)
  })

  it("rejects a payload over 65535 bytes", () => {
    expect(() => serializeInterleaved(0, Buffer.alloc(65536))).toThrow(/65536 bytes does not fit/)
    expect(() => interleavedHeader(0, 65536)).toThrow(RangeError)
  })

  it.each([-1, 256, 1.5, Number.NaN])("rejects channel %d", (channel) => {
    expect(() => interleavedHeader(channel, 10)).toThrow(RangeError)
  })

  it("rejects a negative or fractional length", () => {
    expect(() => interleavedHeader(0, -1)).toThrow(RangeError)
    expect(() => interleavedHeader(0, 2.5)).toThrow(RangeError)
  })
})
