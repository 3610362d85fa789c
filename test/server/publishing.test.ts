/**
 * Publishing to the server (ANNOUNCE, SETUP mode=record, RECORD) and watching the path, with a
 * publisher that sends exactly the packets the test says: viewers over UDP and TCP get the
 * publisher's frames pixel-exact from the next whole frame on, and BYE when it goes (TEARDOWN or
 * silence); a publisher's bad packets, a flood and a second publisher are refused while the
 * viewer goes on undisturbed; every refusal has its status. ffmpeg and GStreamer as publishers
 * are in test/interop/publishing.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import type { ReceivedFrame } from "../../harness/receiver/mjpegReceiver.js"
import { makeClientSession } from "../../harness/session/ClientSession.js"
import type { TransportKind } from "../../src/protocol/rtsp/vocabulary.js"
import { consecutive, numberedFrames } from "../support/frameTruth.js"
import { eventually } from "../support/polling.js"
import { JPEG_SDP, makeRtpJpegSource } from "../support/rtpJpegSource.js"
import { connectClient, sessionIdOf, sleep } from "../support/rtspTestClient.js"
import { announcePath, requestWithBody, statusOf, type TestPublisher } from "../support/testPublisher.js"
import { startTestServer, type TestServer } from "../support/testServer.js"

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ publish: true, publisherTimeoutSeconds: 1 })
})
afterAll(async () => {
  await server.close()
})

const FRAME_MS = 50

/** Publishes frames `from`… at 20 fps until interrupted (or `count` frames), each through `mangle` first. */
const publishing = (publisher: TestPublisher, options: { readonly count?: number; readonly mangle?: (k: number, packets: ReadonlyArray<Buffer>) => ReadonlyArray<Buffer> } = {}) =>
  Effect.gen(function* () {
    const source = makeRtpJpegSource()
    for (let k = 0; k < (options.count ?? 10_000); k++) {
      const packets = source.frame(k)
      publisher.sendRtp(options.mangle === undefined ? packets : options.mangle(k, packets))
      yield* Effect.sleep(FRAME_MS)
    }
  })

const record = (path: string) =>
  Effect.gen(function* () {
    const publisher = yield* Effect.promise(() => announcePath(server.info.port, path))
    expect(publisher.announced.statusCode).toBe(200)
    const recording = yield* Effect.promise(publisher.record)
    expect(recording.statusCode).toBe(200)
    return publisher
  })

const watch = (path: string, transport: TransportKind, frames: Array<ReceivedFrame>) =>
  Effect.gen(function* () {
    const viewer = yield* makeClientSession({ url: server.url(path), transport, udpFallbackMs: 0, onFrame: (frame) => frames.push(frame) })
    const described = yield* viewer.describe
    expect(described.sdp.range).toMatchObject({ _tag: "Npt", start: "now" })
    yield* viewer.setup
    yield* viewer.play()
    return viewer
  })

describe("a published path", () => {
  it.scopedLive("viewers over UDP and TCP get the publisher's frames pixel-exact, in order, and BYE at its TEARDOWN", () =>
    Effect.gen(function* () {
      const publisher = yield* record("live/cam")
      const sending = yield* Effect.fork(publishing(publisher))
      yield* Effect.sleep(300)
      const overUdp: Array<ReceivedFrame> = []
      const overTcp: Array<ReceivedFrame> = []
      const udp = yield* watch("live/cam", "udp", overUdp)
      const tcp = yield* watch("live/cam", "tcp", overTcp)
      yield* eventually(() => overUdp.length >= 20 && overTcp.length >= 20, 5000)
      for (const frames of [overUdp, overTcp]) {
        const numbers = (yield* numberedFrames(frames)).map((f) => f.n)
        expect(consecutive(numbers), numbers.join(",")).toBe(true)
      }
      expect([udp.live().rtp.packetsLost, tcp.live().rtp.packetsLost]).toEqual([0, 0])
      expect((yield* Effect.promise(publisher.teardown)).statusCode).toBe(200)
      yield* Fiber.interrupt(sending)
      expect(yield* Effect.all([udp.awaitBye(2000), tcp.awaitBye(2000)])).toEqual([true, true])
      // The path is free again: nothing to watch there.
      const after = yield* makeClientSession({ url: server.url("live/cam"), transport: "tcp" })
      expect(yield* Effect.flip(after.describe)).toMatchObject({ message: expect.stringContaining("404") })
      publisher.client.close()
    }))

  it.scopedLive("a publisher that goes silent is ended after --publisher-timeout, and its viewer gets BYE", () =>
    Effect.gen(function* () {
      const publisher = yield* record("live/quiet")
      const sending = yield* Effect.fork(publishing(publisher))
      yield* Effect.sleep(200)
      const frames: Array<ReceivedFrame> = []
      const viewer = yield* watch("live/quiet", "tcp", frames)
      yield* eventually(() => frames.length >= 5, 3000)
      yield* Fiber.interrupt(sending)
      expect(yield* viewer.awaitBye(4000)).toBe(true)
      publisher.client.close()
    }))

  it.scopedLive("bad packets lose only their own frames: the viewer sees every good frame, pixel-exact", () =>
    Effect.gen(function* () {
      const publisher = yield* record("live/bad")
      const frames: Array<ReceivedFrame> = []
      // Every fifth frame is broken, in turn: a lost fragment, another payload type, garbage, a stray SSRC.
      const mangle = (k: number, packets: ReadonlyArray<Buffer>): ReadonlyArray<Buffer> => {
        if (k % 5 !== 4) return packets
        const kind = (k / 5) % 4 | 0
        if (kind === 0) return [packets[0]!, ...packets.slice(2)]
        if (kind === 1) return packets.map((p) => Buffer.concat([p.subarray(0, 1), Buffer.from([(p[1]! & 0x80) | 96]), p.subarray(2)]))
        if (kind === 2) return [Buffer.from("this is not RTP at all"), ...packets.slice(1)]
        return packets.map((p) => { const q = Buffer.from(p); q.writeUInt32BE(0xbad, 8); return q })
      }
      const sending = yield* Effect.fork(publishing(publisher, { mangle }))
      yield* Effect.sleep(200)
      yield* watch("live/bad", "tcp", frames)
      yield* eventually(() => frames.length >= 24, 5000)
      yield* Fiber.interrupt(sending)
      const numbers = (yield* numberedFrames(frames)).map((f) => f.n)
      expect(numbers.every((n) => n % 5 !== 4), numbers.join(",")).toBe(true)
      // Between two broken frames, every good one came.
      const gaps = numbers.slice(1).map((n, i) => n - numbers[i]!)
      expect(gaps.every((gap) => gap === 1 || gap === 2), numbers.join(",")).toBe(true)
      // /metrics counts each refusal by reason, and the frames in and out.
      const path = server.metrics.snapshot().published?.["live/bad"]
      expect(path).toMatchObject({ recording: 1, viewers: 1 })
      expect(Object.keys(path!.rejected).sort()).toEqual(["Incomplete", "NotRtp", "PayloadType", "Ssrc"])
      expect(path!.framesOut).toBeGreaterThanOrEqual(frames.length)
      expect(path!.framesIn).toBeGreaterThanOrEqual(path!.framesOut)
      const exposition = server.metrics.render()
      expect(exposition).toContain('rtsp_publisher_recording{path="live/bad"} 1')
      expect(exposition).toMatch(/rtsp_published_frames_rejected_total\{path="live\/bad",reason="Ssrc"\} [1-9]/)
      publisher.client.close()
    }))

  it.scopedLive("a flood faster than real time is cut at 2 s ahead of the wall clock", () =>
    Effect.gen(function* () {
      const publisher = yield* record("live/flood")
      const frames: Array<ReceivedFrame> = []
      yield* watch("live/flood", "tcp", frames)
      const source = makeRtpJpegSource()
      // 200 frames (10 s of media) in one go.
      for (let k = 0; k < 200; k++) publisher.sendRtp(source.frame(k))
      yield* Effect.sleep(1000)
      // 2 s of media at 20 fps, plus what the wall clock allowed while the burst arrived.
      expect(frames.length).toBeGreaterThanOrEqual(41)
      expect(frames.length).toBeLessThan(70)
      publisher.client.close()
    }))

  it.scopedLive("a second publisher on the path is refused with 455, and the first one's viewer goes on", () =>
    Effect.gen(function* () {
      const publisher = yield* record("live/taken")
      const sending = yield* Effect.fork(publishing(publisher))
      yield* Effect.sleep(200)
      const frames: Array<ReceivedFrame> = []
      const viewer = yield* watch("live/taken", "udp", frames)
      yield* eventually(() => frames.length >= 5, 3000)
      const second = yield* Effect.promise(() => announcePath(server.info.port, "live/taken"))
      expect(second.announced.statusCode).toBe(455)
      const seen = frames.length
      yield* eventually(() => frames.length >= seen + 10, 3000)
      expect(consecutive((yield* numberedFrames(frames)).map((f) => f.n))).toBe(true)
      expect(viewer.live().rtp.packetsLost).toBe(0)
      yield* Fiber.interrupt(sending)
      second.client.close()
      publisher.client.close()
    }))
})

describe("publishing refusals", () => {
  it("ANNOUNCE of anything but one JPEG/90000 video track is 415, a bad path 400, a file's path 455", async () => {
    const h264 = JPEG_SDP.replace("m=video 0 RTP/AVP 26", "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000")
    const withAudio = `${JPEG_SDP}m=audio 0 RTP/AVP 0\r\na=control:streamid=1\r\n`
    const cases = [
      { path: "live/h264", sdp: h264, status: 415 },
      { path: "live/av", sdp: withAudio, status: 415 },
      { path: "live/..", sdp: JPEG_SDP, status: 400 },
      { path: "live/a%20b", sdp: JPEG_SDP, status: 400 },
      { path: "movie.Mjpeg", sdp: JPEG_SDP, status: 455 }
    ]
    for (const { path, sdp, status } of cases) {
      const publisher = await announcePath(server.info.port, path, sdp)
      expect(`${path} ${publisher.announced.statusCode}`).toBe(`${path} ${status}`)
      publisher.client.close()
    }
    const client = await connectClient(server.info.port)
    const notSdp = await requestWithBody(client, "ANNOUNCE", `rtsp://127.0.0.1:${server.info.port}/live/text`, "text/plain", "hello")
    expect(notSdp.statusCode).toBe(415)
    client.close()
  })

  it("SETUP mode=record without ANNOUNCE is 400; an announced path not recording is 404 to viewers, and free again when its connection closes", async () => {
    const url = `rtsp://127.0.0.1:${server.info.port}/live/early`
    const stranger = await connectClient(server.info.port)
    const setup = await stranger.request("SETUP", `${url}/streamid=0`, { Transport: "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record" })
    expect(setup.statusCode).toBe(400)
    const publisher = await announcePath(server.info.port, "live/early")
    expect(publisher.announced.statusCode).toBe(200)
    expect((await stranger.request("DESCRIBE", url)).statusCode).toBe(404)
    const taken = await announcePath(server.info.port, "live/early")
    expect(taken.announced.statusCode).toBe(455)
    taken.client.close()
    publisher.client.close()
    // Once the server has seen the close (a few tries, 50 ms apart), the path is free.
    let next = await announcePath(server.info.port, "live/early")
    for (let tries = 0; tries < 40 && next.announced.statusCode !== 200; tries++) {
      next.client.close()
      await sleep(50)
      next = await announcePath(server.info.port, "live/early")
    }
    expect(next.announced.statusCode).toBe(200)
    next.client.close()
    stranger.close()
  })

  it("PLAY on a publisher's session and RECORD on a viewer's are 455, with what each may do", async () => {
    const publisher = await announcePath(server.info.port, "live/kinds")
    const recording = await publisher.record()
    expect(recording.statusCode).toBe(200)
    const publisherSession = sessionIdOf(recording)
    expect(statusOf(await publisher.client.request("PLAY", publisher.url, { Session: publisherSession }))).toBe("455 Allow: OPTIONS, DESCRIBE, RECORD, PAUSE, TEARDOWN, GET_PARAMETER")
    const viewer = await connectClient(server.info.port)
    const setup = await viewer.request("SETUP", `${publisher.url}/streamid=0`, { Transport: "RTP/AVP/TCP;unicast;interleaved=0-1" })
    expect(setup.statusCode).toBe(200)
    expect(statusOf(await viewer.request("RECORD", publisher.url, { Session: sessionIdOf(setup) }))).toBe("455 Allow: OPTIONS, DESCRIBE, PLAY, TEARDOWN, GET_PARAMETER")
    viewer.close()
    publisher.client.close()
  })
})
