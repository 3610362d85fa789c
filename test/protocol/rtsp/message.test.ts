import { describe, expect, it } from "@effect/vitest"
import {
  appendHeader,
  EMPTY_BODY,
  getHeader,
  getHeaders,
  hasHeader,
  makeInterleavedFrame,
  makeRequest,
  makeResponse,
  reasonPhrase,
  removeHeader,
  RTSP_REASON_PHRASES,
  setHeader,
  withHeader
} from "../../../src/protocol/rtsp/message.js"
import type { RtspHeaders } from "../../../src/protocol/rtsp/message.js"

const headers: RtspHeaders = [
  ["CSeq", "3"],
  ["Transport", "RTP/AVP;unicast;client_port=5000-5001"],
  ["x-Custom", "a"],
  ["X-CUSTOM", "b"]
]

describe("header lookup", () => {
  it("getHeader ignores case and returns the first value", () => {
    expect(getHeader(headers, "cseq")).toBe("3")
    expect(getHeader(headers, "TRANSPORT")).toBe("RTP/AVP;unicast;client_port=5000-5001")
    expect(getHeader(headers, "X-Custom")).toBe("a")
    expect(getHeader(headers, "Session")).toBeUndefined()
  })

  it("getHeaders returns every value in order", () => {
    expect(getHeaders(headers, "x-custom")).toEqual(["a", "b"])
    expect(getHeaders(headers, "Session")).toEqual([])
  })

  it("hasHeader", () => {
    expect(hasHeader(headers, "CSEQ")).toBe(true)
    expect(hasHeader(headers, "Range")).toBe(false)
  })
})

describe("header updates return new lists", () => {
  it("setHeader replaces the first in place, keeps its spelling, drops duplicates", () => {
    const updated = setHeader(headers, "X-Custom", "c")
    expect(updated).toEqual([
      ["CSeq", "3"],
      ["Transport", "RTP/AVP;unicast;client_port=5000-5001"],
      ["x-Custom", "c"]
    ])
    expect(headers).toHaveLength(4)
  })

  it("setHeader appends an absent header", () => {
    expect(setHeader(headers, "Session", "42")).toEqual([...headers, ["Session", "42"]])
  })

  it("appendHeader keeps existing ones", () => {
    expect(getHeaders(appendHeader(headers, "CSeq", "4"), "cseq")).toEqual(["3", "4"])
  })

  it("removeHeader removes every spelling", () => {
    expect(removeHeader(headers, "X-CUSTOM")).toEqual(headers.slice(0, 2))
  })

  it("withHeader sets a header on a message copy", () => {
    const res = makeResponse({ statusCode: 200, headers: [["CSeq", "1"]] })
    const withSession = withHeader(res, "Session", "123456")
    expect(withSession.headers).toEqual([
      ["CSeq", "1"],
      ["Session", "123456"]
    ])
    expect(withSession._tag).toBe("Response")
    expect(res.headers).toEqual([["CSeq", "1"]])
  })
})

describe("reason phrases", () => {
  it.each([
    [200, "OK"],
    [400, "Bad Request"],
    [401, "Unauthorized"],
    [404, "Not Found"],
    [405, "Method Not Allowed"],
    [451, "Parameter Not Understood"],
    [453, "Not Enough Bandwidth"],
    [454, "Session Not Found"],
    [455, "Method Not Valid in This State"],
    [457, "Invalid Range"],
    [459, "Aggregate operation not allowed"],
    [460, "Only aggregate operation allowed"],
    [461, "Unsupported transport"],
    [500, "Internal Server Error"],
    [501, "Not Implemented"],
    [503, "Service Unavailable"],
    [505, "RTSP Version not supported"],
    [551, "Option not supported"]
  ])("%i is %s", (code, phrase) => {
    expect(reasonPhrase(code)).toBe(phrase)
    expect(RTSP_REASON_PHRASES.get(code)).toBe(phrase)
  })

  it("falls back to the class for unknown codes", () => {
    expect(reasonPhrase(299)).toBe("Success")
    expect(reasonPhrase(499)).toBe("Client Error")
    expect(reasonPhrase(599)).toBe("Server Error")
    expect(reasonPhrase(999)).toBe("Unknown")
  })
})

describe("constructors", () => {
  it("makeRequest defaults to RTSP/1.0, no headers, empty body", () => {
    expect(makeRequest({ method: "OPTIONS", uri: "*" })).toEqual({
      _tag: "Request",
      method: "OPTIONS",
      uri: "*",
      version: "RTSP/1.0",
      headers: [],
      body: EMPTY_BODY
    })
  })

  it("makeResponse takes the standard reason phrase unless given", () => {
    expect(makeResponse({ statusCode: 455 }).reason).toBe("Method Not Valid in This State")
    expect(makeResponse({ statusCode: 200, reason: "Fine" }).reason).toBe("Fine")
    expect(makeResponse({ statusCode: 200, version: "RTSP/2.0" }).version).toBe("RTSP/2.0")
  })

  it("makeInterleavedFrame", () => {
    expect(makeInterleavedFrame(1, Buffer.from([1, 2]))).toEqual({
      _tag: "Interleaved",
      channel: 1,
      payload: Buffer.from([1, 2])
    })
  })
})
