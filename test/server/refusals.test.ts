/**
 * Every refusal reaches the wire with the status the one table
 * (src/server/refusals.ts) gives its condition: the tests read the table,
 * they do not restate status numbers.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import sharp from "sharp"
import { getHeader, type RtspResponse } from "../../src/protocol/rtsp/message.js"
import { type RequestRefusal, ServerSaturated, SessionLimitReached } from "../../src/server/errors.js"
import { admissionRefusal, averageLatenessMs, LATENESS_WINDOW_MS, makeLoadTracker, OVERLOAD_LATENESS_MS, recordLateness } from "../../src/server/loadShedding.js"
import { PLAY_METHODS, PUBLIC_METHODS, REFUSAL_STATUS } from "../../src/server/refusals.js"
import { JPEG_SDP } from "../support/rtpJpegSource.js"
import { connectClient, type TestRtspClient } from "../support/rtspTestClient.js"
import { requestWithBody } from "../support/testPublisher.js"
import { startTestServer, type TestServer } from "../support/testServer.js"
import { writeUsersFile } from "../support/usersFile.js"

type Condition = RequestRefusal["_tag"]

let server: TestServer
let limited: TestServer
/** Takes publishers (from loopback, the default --publish-from). */
let publishing: TestServer
/** Takes publishers, but only from 10.0.0.0/8: a loopback test client may not publish. */
let publishElsewhere: TestServer
/** Has a users file whose one rule lets nobody in without logging in. */
let guarded: TestServer
/** One session per client address, loopback included. */
let perAddress: TestServer
let media: string

beforeAll(async () => {
  media = await mkdtemp(join(tmpdir(), "refusals-"))
  // Grayscale baseline JPEG: the classic dialect can carry it, RFC 2435 cannot.
  const gray = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#777" } }).grayscale().jpeg().toBuffer()
  await writeFile(join(media, "gray.mjpeg"), Buffer.concat([gray, gray]))
  await writeFile(join(media, "movie.Mjpeg"), await readFile("video/movie.Mjpeg"))
  server = await startTestServer({ mediaRoot: media })
  limited = await startTestServer({ mediaRoot: media, maxSessions: 1 })
  publishing = await startTestServer({ mediaRoot: media, publish: true })
  publishElsewhere = await startTestServer({ mediaRoot: media, publish: true, publishFrom: ["10.0.0.0/8"] })
  perAddress = await startTestServer({ mediaRoot: media, maxSessionsPerAddress: 1, limitsExempt: [] })
  guarded = await startTestServer({ mediaRoot: media, usersFile: await writeUsersFile({ alice: { password: "pw" } }, [{ paths: ["**"], users: ["alice"], allow: ["read"] }]) })
})

afterAll(async () => {
  await server?.close()
  await limited?.close()
  await publishing?.close()
  await publishElsewhere?.close()
  await guarded?.close()
  await perAddress?.close()
  await rm(media, { recursive: true, force: true })
})

const UDP = "RTP/AVP;unicast;client_port=50000-50001"

/** Runs `steps` on a fresh connection and returns the last reply. */
const lastReply = async (target: TestServer, steps: (c: TestRtspClient, url: string) => Promise<RtspResponse>): Promise<RtspResponse> => {
  const client = await connectClient(target.info.port)
  try {
    return await steps(client, target.url())
  } finally {
    client.close()
  }
}

const setUp = async (c: TestRtspClient, url: string): Promise<string> => {
  const reply = await c.request("SETUP", `${url}/streamid=0`, { Transport: UDP })
  expect(reply.statusCode).toBe(200)
  return (getHeader(reply.headers, "Session") ?? "").split(";")[0]!
}

const raw = (c: TestRtspClient, bytes: string): Promise<RtspResponse> => {
  c.send(bytes)
  return c.nextResponse()
}

/** ANNOUNCE of `path` (instead of the URL's movie.Mjpeg) with an SDP body. */
const announce = (c: TestRtspClient, url: string, path: string, sdp: string): Promise<RtspResponse> =>
  requestWithBody(c, "ANNOUNCE", url.replace(/movie\.Mjpeg$/, path), "application/sdp", sdp)

/** Which test server a case talks to: the default one unless the condition needs another. */
const targetFor = (condition: Condition): TestServer => {
  switch (condition) {
    case "SessionLimitReached":
      return limited
    case "BadAnnouncement":
    case "PathInUse":
      return publishing
    case "PublishForbidden":
      return publishElsewhere
    case "AuthenticationRequired":
    case "AccessForbidden":
      return guarded
    case "AddressLimitReached":
      return perAddress
    default:
      return server
  }
}

const cases: ReadonlyArray<readonly [Condition, string, (c: TestRtspClient, url: string) => Promise<RtspResponse>]> = [
  ["AuthenticationRequired", "DESCRIBE without credentials where the users file asks for them", (c, url) => c.request("DESCRIBE", url)],
  ["AccessForbidden", "a classic SETUP where a login is needed", (c) => raw(c, "SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 25000")],
  ["InvalidCSeq", "a request without CSeq", (c, url) => raw(c, `OPTIONS ${url} RTSP/1.0\r\n\r\n`)],
  ["MalformedRequest", "a start line that is not one", (c) => raw(c, "NOT A REQUEST\r\nCSeq: 1\r\n\r\n")],
  ["VersionNotSupported", "RTSP/2.0", (c, url) => raw(c, `OPTIONS ${url} RTSP/2.0\r\nCSeq: 1\r\n\r\n`)],
  ["MethodNotImplemented", "SET_PARAMETER", (c, url) => c.request("SET_PARAMETER", url)],
  ["PublishingDisabled", "ANNOUNCE to a server without --publish", (c, url) => announce(c, url, "cam", JPEG_SDP)],
  ["PublishForbidden", "ANNOUNCE from an address outside --publish-from", (c, url) => announce(c, url, "cam", JPEG_SDP)],
  ["BadAnnouncement", "ANNOUNCE whose application/sdp body is not SDP", (c, url) => announce(c, url, "cam", "hello")],
  ["PathInUse", "ANNOUNCE of a file the server serves", (c, url) => announce(c, url, "movie.Mjpeg", JPEG_SDP)],
  ["BadImpairment", "DESCRIBE with an impairment query out of range", (c, url) => c.request("DESCRIBE", `${url}?loss=150%25`)],
  ["OptionNotSupported", "Require: an option we lack", (c, url) => c.request("OPTIONS", url, { Require: "play.basic" })],
  ["NoMediaPath", "DESCRIBE of the server root", (c, url) => c.request("DESCRIBE", url.replace(/movie\.Mjpeg$/, ""))],
  ["StreamNotFound", "DESCRIBE of a file that is not there", (c, url) => c.request("DESCRIBE", url.replace("movie.Mjpeg", "nope.Mjpeg"))],
  ["MediaNotServable", "DESCRIBE of a grayscale file", (c, url) => c.request("DESCRIBE", url.replace("movie.Mjpeg", "gray.mjpeg"))],
  ["SessionNotFound", "PLAY of a session nobody made", (c, url) => c.request("PLAY", url, { Session: "DEADBEEF" })],
  ["MethodNotValidInState", "PLAY before SETUP", (c, url) => c.request("PLAY", url)],
  ["MalformedHeader", "a Range that does not parse", async (c, url) => c.request("PLAY", url, { Session: await setUp(c, url), Range: "npt=soon-" })],
  ["UnsupportedTransport", "SETUP without Transport", (c, url) => c.request("SETUP", `${url}/streamid=0`)],
  ["UnsupportedRangeUnit", "a SMPTE range", async (c, url) => c.request("PLAY", url, { Session: await setUp(c, url), Range: "smpte=0:00:01-" })],
  ["RangeNotSatisfiable", "a start past the end", async (c, url) => c.request("PLAY", url, { Session: await setUp(c, url), Range: "npt=999-" })],
  [
    "AddressLimitReached",
    "a second session from an address limited to one",
    async (c, url) => {
      await setUp(c, url)
      return c.request("SETUP", `${url}/streamid=0`, { Transport: UDP })
    }
  ],
  [
    "SessionLimitReached",
    "a second session on a server limited to one",
    async (c, url) => {
      await setUp(c, url)
      return c.request("SETUP", `${url}/streamid=0`, { Transport: UDP })
    }
  ]
]

describe("refusals on the wire", () => {
  it.each(cases)("%s (%s) is answered with the table's status", async (condition, _what, steps) => {
    const reply = await lastReply(targetFor(condition), steps)
    expect(reply.statusCode).toBe(REFUSAL_STATUS[condition])
  })

  it("the ANNOUNCE refused outside --publish-from is taken from loopback, the default range", async () => {
    const client = await connectClient(publishing.info.port)
    try {
      expect((await announce(client, publishing.url(), "cam", JPEG_SDP)).statusCode).toBe(200)
    } finally {
      client.close()
    }
  })

  it("455, 405 and 501 carry Allow (and 501 Public); 551 names the option in Unsupported", async () => {
    const notValid = await lastReply(server, (c, url) => c.request("PAUSE", url))
    // Without --publish, ANNOUNCE is not offered: it would be 405.
    expect(getHeader(notValid.headers, "Allow")).toBe("OPTIONS, DESCRIBE, SETUP, GET_PARAMETER")
    const notValidPublishing = await lastReply(publishing, (c, url) => c.request("PAUSE", url))
    expect(getHeader(notValidPublishing.headers, "Allow")).toBe("OPTIONS, DESCRIBE, ANNOUNCE, SETUP, GET_PARAMETER")
    const disabled = await lastReply(server, (c, url) => c.request("RECORD", url))
    expect([disabled.statusCode, getHeader(disabled.headers, "Allow")]).toEqual([REFUSAL_STATUS.PublishingDisabled, PLAY_METHODS])
    const notImplemented = await lastReply(server, (c, url) => c.request("SET_PARAMETER", url))
    expect([getHeader(notImplemented.headers, "Public"), getHeader(notImplemented.headers, "Allow")]).toEqual([PUBLIC_METHODS, PUBLIC_METHODS])
    const unsupported = await lastReply(server, (c, url) => c.request("OPTIONS", url, { Require: "x-magic" }))
    expect(getHeader(unsupported.headers, "Unsupported")).toBe("x-magic")
  })

  it("every condition of the table but one is exercised above (saturation is tested on the policy)", () => {
    const exercised = new Set<Condition>(cases.map(([condition]) => condition))
    const untested = (Object.keys(REFUSAL_STATUS) as Array<Condition>).filter((c) => !exercised.has(c))
    expect(untested).toEqual(["ServerSaturated"])
  })
})

describe("load shedding", () => {
  const t = 1_000_000

  it.effect("admits under the limit, refuses at it and when the last second's frames went out late on average", () =>
    Effect.gen(function*() {
      const load = makeLoadTracker()
      expect(admissionRefusal(load, 1, 2, t)).toBeUndefined()
      const full = admissionRefusal(load, 2, 2, t)
      expect(full).toEqual(new SessionLimitReached({ limit: 2 }))
      // A second of frames 100 ms late.
      for (let i = 0; i < 1000; i++) recordLateness(load, 100, t + i)
      expect(averageLatenessMs(load, t + 999)).toBe(100)
      const saturated = admissionRefusal(load, 0, 2, t + 999)
      expect(saturated).toBeInstanceOf(ServerSaturated)
      expect(REFUSAL_STATUS[saturated!._tag]).toBe(453)
      // Then a second of frames on time (early counts as on time): the average recovers.
      for (let i = 1000; i < 2000; i++) recordLateness(load, -50, t + i)
      expect(averageLatenessMs(load, t + 1999)).toBeLessThan(OVERLOAD_LATENESS_MS)
      expect(admissionRefusal(load, 0, 2, t + 1999)).toBeUndefined()
    }))

  it.effect("a session that adds no stream (joining an open multicast group) meets only the limit, even when frames run late", () =>
    Effect.gen(function*() {
      const load = makeLoadTracker()
      for (let i = 0; i < 1000; i++) recordLateness(load, 100, t + i)
      expect(admissionRefusal(load, 0, 2, t + 999)).toBeInstanceOf(ServerSaturated)
      expect(admissionRefusal(load, 0, 2, t + 999, false)).toBeUndefined()
      expect(admissionRefusal(load, 2, 2, t + 999, false)).toEqual(new SessionLimitReached({ limit: 2 }))
    }))

  it.effect("one pause of many sessions' frames within a busy second is not saturation", () =>
    Effect.gen(function*() {
      const load = makeLoadTracker()
      // 300 sessions at 20 fps: 6,000 frames a second, on time but for 300 frames delayed by a 50 ms pause.
      for (let i = 0; i < 6000; i++) recordLateness(load, i >= 3000 && i < 3300 ? 50 : 0, t + i / 6)
      expect(averageLatenessMs(load, t + 999)).toBeCloseTo(2.5, 5)
      expect(admissionRefusal(load, 0, 2, t + 999)).toBeUndefined()
    }))

  it.effect("a saturated spell is forgotten once no frame has gone out for a second", () =>
    Effect.gen(function*() {
      const load = makeLoadTracker()
      for (let i = 0; i < 300; i++) recordLateness(load, 100, t)
      expect(admissionRefusal(load, 0, 2, t + LATENESS_WINDOW_MS - 1)).toBeInstanceOf(ServerSaturated)
      // The last session of the spell ended and nothing streams: the next SETUP is admitted.
      expect(averageLatenessMs(load, t + LATENESS_WINDOW_MS)).toBe(0)
      expect(admissionRefusal(load, 0, 2, t + LATENESS_WINDOW_MS)).toBeUndefined()
    }))
})
