/**
 * One table of wire vectors drives parsing, serialization and chunking (gortsplib style), plus a
 * small table of non-canonical inputs that parse and re-serialize canonical.
 */
import { describe, expect, it } from "@effect/vitest"
import { oneByteAtATime, splitAt } from "../../support/chunking.js"
import { Either } from "effect"
import fc from "fast-check"
import type { RtspMessage } from "../../../src/protocol/rtsp/message.js"
import { makeRequest, makeResponse } from "../../../src/protocol/rtsp/message.js"
import type { RtspParseResult } from "../../../src/protocol/rtsp/parser.js"
import { makeRtspParser, parseRtspMessage } from "../../../src/protocol/rtsp/parser.js"
import { serializeMessage } from "../../../src/protocol/rtsp/serializer.js"

const sdp = [
  "v=0",
  "o=- 0 0 IN IP4 127.0.0.1",
  "s=movie.Mjpeg",
  "c=IN IP4 0.0.0.0",
  "t=0 0",
  "m=video 0 RTP/AVP 26",
  "a=control:trackID=0",
  ""
].join("\r\n")

interface Vector {
  readonly name: string
  readonly wire: string
  readonly message: RtspMessage
}

const vectors: ReadonlyArray<Vector> = [
  {
    name: "OPTIONS request",
    wire: "OPTIONS rtsp://example.com/movie.Mjpeg RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: LibVLC/3.0.18\r\n\r\n",
    message: makeRequest({
      method: "OPTIONS",
      uri: "rtsp://example.com/movie.Mjpeg",
      headers: [
        ["CSeq", "1"],
        ["User-Agent", "LibVLC/3.0.18"]
      ]
    })
  },
  {
    name: "OPTIONS response",
    wire:
      "RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER\r\n\r\n",
    message: makeResponse({
      statusCode: 200,
      headers: [
        ["CSeq", "1"],
        ["Public", "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER"]
      ]
    })
  },
  {
    name: "DESCRIBE request",
    wire: "DESCRIBE rtsp://127.0.0.1:8554/movie.Mjpeg RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n\r\n",
    message: makeRequest({
      method: "DESCRIBE",
      uri: "rtsp://127.0.0.1:8554/movie.Mjpeg",
      headers: [
        ["CSeq", "2"],
        ["Accept", "application/sdp"]
      ]
    })
  },
  {
    name: "DESCRIBE response with SDP body and Content-Base",
    wire:
      "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Base: rtsp://127.0.0.1:8554/movie.Mjpeg/\r\n" +
      `Content-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`,
    message: makeResponse({
      statusCode: 200,
      headers: [
        ["CSeq", "2"],
        ["Content-Base", "rtsp://127.0.0.1:8554/movie.Mjpeg/"],
        ["Content-Type", "application/sdp"],
        ["Content-Length", String(sdp.length)]
      ],
      body: Buffer.from(sdp)
    })
  },
  {
    name: "SETUP request, UDP",
    wire:
      "SETUP rtsp://127.0.0.1:8554/movie.Mjpeg/trackID=0 RTSP/1.0\r\nCSeq: 3\r\n" +
      "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n",
    message: makeRequest({
      method: "SETUP",
      uri: "rtsp://127.0.0.1:8554/movie.Mjpeg/trackID=0",
      headers: [
        ["CSeq", "3"],
        ["Transport", "RTP/AVP;unicast;client_port=5000-5001"]
      ]
    })
  },
  {
    name: "SETUP request, TCP interleaved",
    wire:
      "SETUP rtsp://cam/stream/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n",
    message: makeRequest({
      method: "SETUP",
      uri: "rtsp://cam/stream/trackID=0",
      headers: [
        ["CSeq", "3"],
        ["Transport", "RTP/AVP/TCP;unicast;interleaved=0-1"]
      ]
    })
  },
  {
    name: "SETUP response with Session timeout",
    wire:
      "RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971;ssrc=1A2B3C4D\r\n" +
      "Session: 9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c;timeout=60\r\n\r\n",
    message: makeResponse({
      statusCode: 200,
      headers: [
        ["CSeq", "3"],
        ["Transport", "RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971;ssrc=1A2B3C4D"],
        ["Session", "9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c;timeout=60"]
      ]
    })
  },
  {
    name: "PLAY request with Range",
    wire:
      "PLAY rtsp://127.0.0.1:8554/movie.Mjpeg/ RTSP/1.0\r\nCSeq: 4\r\nSession: 9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c\r\nRange: npt=0.000-\r\n\r\n",
    message: makeRequest({
      method: "PLAY",
      uri: "rtsp://127.0.0.1:8554/movie.Mjpeg/",
      headers: [
        ["CSeq", "4"],
        ["Session", "9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c"],
        ["Range", "npt=0.000-"]
      ]
    })
  },
  {
    name: "PLAY response with RTP-Info",
    wire:
      "RTSP/1.0 200 OK\r\nCSeq: 4\r\nSession: 9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c\r\nRange: npt=0.000-\r\n" +
      "RTP-Info: url=rtsp://127.0.0.1:8554/movie.Mjpeg/trackID=0;seq=17532;rtptime=2984631\r\n\r\n",
    message: makeResponse({
      statusCode: 200,
      headers: [
        ["CSeq", "4"],
        ["Session", "9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c"],
        ["Range", "npt=0.000-"],
        ["RTP-Info", "url=rtsp://127.0.0.1:8554/movie.Mjpeg/trackID=0;seq=17532;rtptime=2984631"]
      ]
    })
  },
  {
    name: "GET_PARAMETER request with a body",
    wire:
      "GET_PARAMETER rtsp://127.0.0.1:8554/movie.Mjpeg RTSP/1.0\r\nCSeq: 9\r\nContent-Type: text/parameters\r\n" +
      "Content-Length: 26\r\n\r\npackets_received\r\njitter\r\n",
    message: makeRequest({
      method: "GET_PARAMETER",
      uri: "rtsp://127.0.0.1:8554/movie.Mjpeg",
      headers: [
        ["CSeq", "9"],
        ["Content-Type", "text/parameters"],
        ["Content-Length", "26"]
      ],
      body: Buffer.from("packets_received\r\njitter\r\n")
    })
  },
  {
    name: "455 response",
    wire: "RTSP/1.0 455 Method Not Valid in This State\r\nCSeq: 5\r\nAllow: SETUP, TEARDOWN\r\n\r\n",
    message: makeResponse({
      statusCode: 455,
      headers: [
        ["CSeq", "5"],
        ["Allow", "SETUP, TEARDOWN"]
      ]
    })
  },
  {
    name: "461 response",
    wire: "RTSP/1.0 461 Unsupported transport\r\nCSeq: 3\r\n\r\n",
    message: makeResponse({ statusCode: 461, headers: [["CSeq", "3"]] })
  },
  {
    name: "classic server reply (line order matters)",
    wire: "RTSP/1.0 200 OK\r\nCSeq: 1\r\nSession: 724553\r\n\r\n",
    message: makeResponse({
      statusCode: 200,
      headers: [
        ["CSeq", "1"],
        ["Session", "724553"]
      ]
    })
  },
  {
    name: "RTSP/2.0 request keeps its version",
    wire: "OPTIONS * RTSP/2.0\r\nCSeq: 1\r\n\r\n",
    message: makeRequest({ method: "OPTIONS", uri: "*", version: "RTSP/2.0", headers: [["CSeq", "1"]] })
  },
  {
    name: "repeated headers keep order and spelling; UTF-8 value",
    wire: "TEARDOWN movie.Mjpeg RTSP/1.0\r\ncseq: 7\r\nX-Note: a\r\nx-note: b\r\nUser-Agent: Café\r\n\r\n",
    message: makeRequest({
      method: "TEARDOWN",
      uri: "movie.Mjpeg",
      headers: [
        ["cseq", "7"],
        ["X-Note", "a"],
        ["x-note", "b"],
        ["User-Agent", "Café"]
      ]
    })
  }
]

/** Inputs that parse to `message` and serialize back to the canonical `canonical`. */
interface NonCanonical {
  readonly name: string
  readonly wire: string
  readonly message: RtspMessage
  readonly canonical: string
}

const classicSetup = "SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 25000"

const nonCanonical: ReadonlyArray<NonCanonical> = [
  {
    name: "classic client SETUP: \\n lines and no final blank line (input end ends it)",
    wire: classicSetup,
    message: makeRequest({
      method: "SETUP",
      uri: "movie.Mjpeg",
      headers: [
        ["CSeq", "1"],
        ["Transport", "RTP/UDP; client_port= 25000"]
      ]
    }),
    canonical: "SETUP movie.Mjpeg RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/UDP; client_port= 25000\r\n\r\n"
  },
  {
    name: "\\n line ends with a \\n\\n terminator",
    wire: "PLAY movie.Mjpeg RTSP/1.0\nCSeq: 2\nSession: 724553\n\n",
    message: makeRequest({
      method: "PLAY",
      uri: "movie.Mjpeg",
      headers: [
        ["CSeq", "2"],
        ["Session", "724553"]
      ]
    }),
    canonical: "PLAY movie.Mjpeg RTSP/1.0\r\nCSeq: 2\r\nSession: 724553\r\n\r\n"
  },
  {
    name: "whitespace around values and before the colon, tabs, extra spaces in the start line",
    wire: "PAUSE   movie.Mjpeg\tRTSP/1.0  \r\nCSeq:2\r\nSession : \t 724553 \t\r\n\r\n",
    message: makeRequest({
      method: "PAUSE",
      uri: "movie.Mjpeg",
      headers: [
        ["CSeq", "2"],
        ["Session", "724553"]
      ]
    }),
    canonical: "PAUSE movie.Mjpeg RTSP/1.0\r\nCSeq: 2\r\nSession: 724553\r\n\r\n"
  },
  {
    name: "folded continuation lines",
    wire: "RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS,\r\n DESCRIBE,\r\n\t SETUP\r\n\r\n",
    message: makeResponse({
      statusCode: 200,
      headers: [
        ["CSeq", "1"],
        ["Public", "OPTIONS, DESCRIBE, SETUP"]
      ]
    }),
    canonical: "RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE, SETUP\r\n\r\n"
  },
  {
    name: "empty lines before the message",
    wire: "\r\n\n\r\nOPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n",
    message: makeRequest({ method: "OPTIONS", uri: "*", headers: [["CSeq", "1"]] }),
    canonical: "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n"
  },
  {
    name: "response without a reason phrase",
    wire: "RTSP/1.0 200\r\nCSeq: 1\r\n\r\n",
    message: makeResponse({ statusCode: 200, reason: "", headers: [["CSeq", "1"]] }),
    canonical: "RTSP/1.0 200 \r\nCSeq: 1\r\n\r\n"
  },
  {
    name: "Content-Length with leading zeros and lower case",
    wire: "ANNOUNCE rtsp://h/x RTSP/1.0\r\nCSeq: 3\r\ncontent-length: 003\r\n\r\nabc",
    message: makeRequest({
      method: "ANNOUNCE",
      uri: "rtsp://h/x",
      headers: [
        ["CSeq", "3"],
        ["content-length", "003"]
      ],
      body: Buffer.from("abc")
    }),
    canonical: "ANNOUNCE rtsp://h/x RTSP/1.0\r\nCSeq: 3\r\ncontent-length: 003\r\n\r\nabc"
  }
]

/** Feeds `chunks` to a fresh parser and returns everything it produced, flushing at the end. */
const parseChunks = (chunks: ReadonlyArray<Uint8Array>): Array<RtspParseResult> => {
  const parser = makeRtspParser()
  const out: Array<RtspParseResult> = []
  for (const chunk of chunks) out.push(...parser.push(chunk))
  out.push(...parser.flushIdle())
  expect(parser.hasPendingBytes()).toBe(false)
  return out
}

const bytesOf = (wire: string): Buffer => Buffer.from(wire, "utf8")



describe("vectors", () => {
  describe.each(vectors)("$name", ({ message, wire }) => {
    it("parses", () => {
      expect(parseRtspMessage(bytesOf(wire))).toEqual(Either.right(message))
    })

    it("serializes", () => {
      expect(serializeMessage(message).toString("utf8")).toBe(wire)
    })

    it("parses the same when pushed one byte at a time", () => {
      expect(parseChunks(oneByteAtATime(bytesOf(wire)))).toEqual([message])
    })
  })

  describe.each(nonCanonical)("non-canonical: $name", ({ canonical, message, wire }) => {
    it("parses", () => {
      expect(parseRtspMessage(bytesOf(wire))).toEqual(Either.right(message))
    })

    it("re-serializes canonical", () => {
      expect(serializeMessage(message).toString("utf8")).toBe(canonical)
    })

    it("parses the same when pushed one byte at a time", () => {
      expect(parseChunks(oneByteAtATime(bytesOf(wire)))).toEqual([message])
    })
  })

  it("the whole table as one stream gives every message in order, however it is split", () => {
    const terminated = [...vectors, ...nonCanonical.filter((v) => v.wire !== classicSetup)]
    const stream = Buffer.concat(terminated.map((v) => bytesOf(v.wire)))
    const expected = terminated.map((v) => v.message)
    expect(parseChunks([stream])).toEqual(expected)
    expect(parseChunks(oneByteAtATime(stream))).toEqual(expected)
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
        expect(parseChunks(splitAt(stream, cuts))).toEqual(expected)
      }),
      { numRuns: 300 }
    )
  })

  it("each vector split at random points parses the same", () => {
    const all = [...vectors, ...nonCanonical]
    fc.assert(
      fc.property(fc.constantFrom(...all), fc.array(fc.nat(), { maxLength: 12 }), (vector, cuts) => {
        expect(parseChunks(splitAt(bytesOf(vector.wire), cuts))).toEqual([vector.message])
      }),
      { numRuns: 300 }
    )
  })
})
