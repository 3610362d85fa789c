/**
 * The RTSP-side impairments on a real server: a reply held back (reply-delay), a method answered
 * with a chosen status instead of handled (answer), the connection closed some time after PLAY
 * (close-after), a stream that stops while RTSP still answers (freeze-after), and sequence
 * numbers and timestamps that restart once mid-stream (reset-seq-after, reset-ts-after). Each is
 * in the session's record and /metrics; a published path's viewer or a multicast member asking
 * for an impairment is refused with the reason, and nothing else is disturbed.
 */
import { copyFileSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { parseImpairmentStats } from "../../src/impair/impairmentStats.js"
import { rtpSequenceNumberAt } from "../../src/protocol/rtp.js"
import { waitUntilAsync } from "../support/polling.js"
import { connectClient, sessionIdOf, sleep, type TestRtspClient, udpReceiver } from "../support/rtspTestClient.js"
import { announcePath } from "../support/testPublisher.js"
import { startTestServer, type TestServer } from "../support/testServer.js"
import { header } from "./standardDialectKit.js"

const media = mkdtempSync(join(tmpdir(), "impair-rtsp-media-"))
for (const name of ["movie.Mjpeg", "live.Mjpeg"]) copyFileSync("video/movie.Mjpeg", join(media, name))

// The sample at 100 fps: its 200 frames in 2 s.
let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ mediaRoot: media, fps: 100, live: ["live.Mjpeg"], publish: true })
})
afterAll(async () => {
  await server.close()
})

let cseq = 9000

const stats = async (client: TestRtspClient, session: string) => {
  const body = "impairment-stats\r\n"
  client.send(`GET_PARAMETER ${server.url()} RTSP/1.0\r\nCSeq: ${cseq++}\r\nSession: ${session}\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
  const reply = await client.nextResponse()
  expect(reply.statusCode).toBe(200)
  return Either.getOrThrow(parseImpairmentStats(reply.body.toString()))
}

const interleavedRtp = (client: TestRtspClient): Array<Buffer> => client.interleaved.filter((f) => f.channel === 0).map((f) => f.payload)

/** DESCRIBE with the query, SETUP over TCP interleaved without it (as players build it), PLAY. */
const playTcp = async (query: string) => {
  const client = await connectClient(server.info.port)
  const described = await client.request("DESCRIBE", server.url(`movie.Mjpeg?${query}`))
  expect(described.statusCode, described.body.toString()).toBe(200)
  const setup = await client.request("SETUP", server.url("movie.Mjpeg/streamid=0"), { Transport: "RTP/AVP/TCP;unicast;interleaved=0-1" })
  expect(setup.statusCode).toBe(200)
  const session = sessionIdOf(setup)
  const played = await client.request("PLAY", server.url("movie.Mjpeg"), { Session: session })
  return { client, session, played }
}

const impairmentFigures = (profile: string) => server.metrics.snapshot().impairments?.[profile]

describe("RTSP-side impairments", () => {
  it("reply-delay holds every reply of the session's connection back at least that long, and counts each", async () => {
    const client = await connectClient(server.info.port)
    try {
      const before = impairmentFigures("inline")?.actions["reply-delay"] ?? 0
      const started = performance.now()
      const described = await client.request("DESCRIBE", server.url("movie.Mjpeg?reply-delay=300ms&seed=41"))
      expect(described.statusCode).toBe(200)
      // A lower bound only: a sleep is never shorter than asked.
      expect(performance.now() - started).toBeGreaterThanOrEqual(299)
      const setupStarted = performance.now()
      const setup = await client.request("SETUP", server.url("movie.Mjpeg/streamid=0"), { Transport: "RTP/AVP/TCP;unicast;interleaved=0-1" })
      expect(setup.statusCode).toBe(200)
      expect(performance.now() - setupStarted).toBeGreaterThanOrEqual(299)
      expect(impairmentFigures("inline")?.actions["reply-delay"]).toBe(before + 2)
    } finally {
      client.close()
    }
  })

  it("answer=PLAY:503 answers PLAY with 503 and its reason, sends nothing, and the session still tears down", async () => {
    const { client, session, played } = await playTcp("answer=PLAY:503&seed=42")
    try {
      expect(played.statusCode).toBe(503)
      expect(played.body.toString()).toContain("answer=PLAY:503")
      await sleep(200)
      expect(interleavedRtp(client)).toHaveLength(0)
      expect((await client.request("TEARDOWN", server.url("movie.Mjpeg"), { Session: session })).statusCode).toBe(200)
    } finally {
      client.close()
    }
  })

  it("close-after closes the connection that long after PLAY, ending its session; a session beside it plays on", async () => {
    const neighbour = await playTcp("")
    const { client, played } = await playTcp("close-after=400ms&seed=43")
    try {
      expect(played.statusCode).toBe(200)
      const before = impairmentFigures("inline")?.actions.close ?? 0
      expect(await client.waitClosed(5000)).toBe(true)
      expect(interleavedRtp(client).length).toBeGreaterThan(0)
      expect(await waitUntilAsync(() => (impairmentFigures("inline")?.actions.close ?? 0) === before + 1, 2000)).toBe(true)
      // The session went with its connection.
      expect(await waitUntilAsync(() => server.metrics.snapshot().sessionsEnded["connection closed"] !== undefined, 2000)).toBe(true)
      const neighbourAt = interleavedRtp(neighbour.client).length
      await sleep(200)
      expect(neighbour.client.closed()).toBe(false)
      expect(interleavedRtp(neighbour.client).length).toBeGreaterThan(neighbourAt)
    } finally {
      client.close()
      neighbour.client.close()
    }
  })

  it("freeze-after stops the RTP while RTSP still answers, and the record counts every packet left out", async () => {
    const { client, session, played } = await playTcp("freeze-after=500ms&seed=44")
    try {
      expect(played.statusCode).toBe(200)
      // Frozen: nothing new arrives for a while (bounded).
      let seen = -1
      for (let i = 0; i < 40 && interleavedRtp(client).length !== seen; i++) {
        seen = interleavedRtp(client).length
        await sleep(250)
      }
      const record = (await stats(client, session)).record
      expect(record.dropped.freeze).toBeGreaterThan(0)
      expect(interleavedRtp(client).length).toBe(record.packets - record.dropped.freeze)
      expect(record.framesBroken).toBeGreaterThan(0)
      // Still answered after the freeze.
      expect((await client.request("GET_PARAMETER", server.url("movie.Mjpeg"), { Session: session })).statusCode).toBe(200)
    } finally {
      client.close()
    }
  })

  it("reset-seq-after and reset-ts-after restart the sequence numbers and timestamps once, at a frame's start", async () => {
    const { client, session } = await playTcp("reset-seq-after=500ms&reset-ts-after=500ms&seed=45")
    try {
      let seen = -1
      for (let i = 0; i < 40 && interleavedRtp(client).length !== seen; i++) {
        seen = interleavedRtp(client).length
        await sleep(250)
      }
      const packets = interleavedRtp(client)
      const seqJumps = packets.slice(1).filter((p, i) => ((rtpSequenceNumberAt(p, 0) - rtpSequenceNumberAt(packets[i]!, 0)) & 0xffff) !== 1)
      expect(seqJumps).toHaveLength(1)
      // The jump comes with a frame's first packet: the packet before it ends a frame (marker bit).
      const at = packets.indexOf(seqJumps[0]!)
      expect(packets[at - 1]![1]! & 0x80).toBe(0x80)
      // Timestamps within a frame are equal, and one step between frames is 900 ticks at 100 fps; but one.
      const tsSteps = packets.slice(1).map((p, i) => (p.readUInt32BE(4) - packets[i]!.readUInt32BE(4)) >>> 0)
      expect(tsSteps.filter((step) => step !== 0 && step !== 900)).toHaveLength(1)
      const record = (await stats(client, session)).record
      expect(record.sequenceResets).toBe(1)
      expect(record.timestampResets).toBe(1)
      expect(record.lastSequence).toBe(rtpSequenceNumberAt(packets[packets.length - 1]!, 0))
    } finally {
      client.close()
    }
  })

  it("the built-ins that use them are served: slow-server delays its replies, flaky-connection plays", async () => {
    const slow = await connectClient(server.info.port)
    try {
      const started = performance.now()
      const reply = await slow.request("DESCRIBE", server.url("movie.Mjpeg?impair=slow-server"))
      expect(reply.statusCode).toBe(200)
      expect(performance.now() - started).toBeGreaterThanOrEqual(799)
    } finally {
      slow.close()
    }
    const { client, played } = await playTcp("impair=flaky-connection")
    try {
      expect(played.statusCode).toBe(200)
      await sleep(300)
      expect(interleavedRtp(client).length).toBeGreaterThan(0)
    } finally {
      client.close()
    }
  })
})

describe("impairments where they do not apply yet", () => {
  it("a multicast member or a published path's viewer asking for one gets 400 with the reason", async () => {
    const member = await connectClient(server.info.port)
    try {
      const reply = await member.request("SETUP", server.url("live.Mjpeg/streamid=0?loss=1%25"), { Transport: "RTP/AVP;multicast" })
      expect(reply.statusCode).toBe(400)
      expect(reply.body.toString()).toContain("not yet to published paths or multicast")
      expect(server.metrics.snapshot().multicast?.["live.Mjpeg"]).toBeUndefined()
    } finally {
      member.close()
    }
    const publisher = await announcePath(server.info.port, "cam1")
    const viewer = await connectClient(server.info.port)
    const rtp = await udpReceiver()
    try {
      expect(publisher.announced.statusCode).toBe(200)
      expect((await publisher.record()).statusCode).toBe(200)
      const reply = await viewer.request("SETUP", server.url("cam1/streamid=0?impair=bursty"), { Transport: `RTP/AVP;unicast;client_port=${rtp.port}-${rtp.port + 1}` })
      expect(reply.statusCode).toBe(400)
      expect(header(reply, "Content-Type")).toBe("text/plain")
      expect(reply.body.toString()).toContain("not yet to published paths or multicast")
    } finally {
      viewer.close()
      publisher.client.close()
      rtp.close()
    }
  })
})
