/**
 * A slow viewer of a published path: a TCP viewer that stops reading loses whole frames at its
 * own queue (counted), while the publisher's frames keep being taken and a UDP viewer gets every
 * one of them in order; when it reads again its stream goes on past the hole, and every frame it
 * got is whole (sequence numbers jump only between frames). The publisher sends at 200 fps so
 * the TCP buffers fill within seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import type { ReceivedFrame } from "../../harness/receiver/mjpegReceiver.js"
import { makeClientSession } from "../../harness/session/ClientSession.js"
import { consecutive, numberedFrames } from "../support/frameTruth.js"
import { waitUntil } from "../support/polling.js"
import { makeRtpJpegSource } from "../support/rtpJpegSource.js"
import { connectClient, sessionIdOf } from "../support/rtspTestClient.js"
import { announcePath } from "../support/testPublisher.js"
import { startTestServer, type TestServer } from "../support/testServer.js"
import { rebuildFrames, rtp } from "./streamHelpers.js"

const FPS = 200
const PATH = "live/slow"

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ publish: true })
})
afterAll(async () => {
  await server.close()
})

const pathFigures = () => server.metrics.snapshot().published?.[PATH]

describe("a slow viewer of a published path", () => {
  it.scopedLive("loses whole frames at its own queue; the publisher and a UDP viewer go on undisturbed", () =>
    Effect.gen(function* () {
      const publisher = yield* Effect.promise(() => announcePath(server.info.port, PATH))
      expect((yield* Effect.promise(publisher.record)).statusCode).toBe(200)
      const source = makeRtpJpegSource({ fps: FPS })
      let sent = 0
      const sending = yield* Effect.fork(Effect.gen(function* () {
        for (; sent < 10_000; sent++) {
          publisher.sendRtp(source.frame(sent))
          yield* Effect.sleep(1000 / FPS)
        }
      }))
      yield* Effect.sleep(200)

      const fast: Array<ReceivedFrame> = []
      const viewer = yield* makeClientSession({ url: server.url(PATH), transport: "udp", udpFallbackMs: 0, onFrame: (frame) => fast.push(frame) })
      yield* viewer.setup
      yield* viewer.play()

      const slow = yield* Effect.promise(() => connectClient(server.info.port))
      const setup = yield* Effect.promise(() => slow.request("SETUP", server.url(`${PATH}/streamid=0`), { Transport: "RTP/AVP/TCP;unicast;interleaved=0-1" }))
      const id = sessionIdOf(setup)
      expect((yield* Effect.promise(() => slow.request("PLAY", server.url(PATH), { Session: id }))).statusCode).toBe(200)
      slow.socket.pause()
      const dropped = () => server.info.sessions().find((s) => s.id === id)?.framesDropped ?? 0
      expect(yield* waitUntil(() => dropped() >= 20, 15_000), "the slow viewer's queue dropped 20 frames").toBe(true)
      // Counted for the path too, and the publisher's frames are all still taken.
      expect(pathFigures()?.framesDropped).toBeGreaterThanOrEqual(20)
      expect(pathFigures()?.rejected).toEqual({})
      const framesIn = pathFigures()?.framesIn ?? 0
      expect(framesIn).toBeGreaterThan(sent - 20)

      // Reading again: the backlog (every packet written to its connection so far) drains, then frames after the hole come.
      const written = server.metrics.snapshot().sessions[id]?.packetsSent ?? 0
      slow.socket.resume()
      const received = () => slow.interleaved.filter((f) => f.channel === 0).length
      expect(yield* waitUntil(() => received() > written + 100, 10_000), "the slow viewer reads past its backlog").toBe(true)
      yield* Fiber.interrupt(sending)
      yield* viewer.teardown
      slow.close()
      publisher.client.close()

      // The UDP viewer: every frame, in order, none lost.
      expect(viewer.live().rtp.packetsLost).toBe(0)
      expect(fast.length).toBeGreaterThan(300)
      const numbers = (yield* numberedFrames(fast.slice(0, 400))).map((f) => f.n)
      expect(consecutive(numbers), `the UDP viewer's frames: ${numbers.join(",")}`).toBe(true)
      // The slow one: whole frames only, with a hole where its queue was full.
      const packets = slow.interleaved.filter((f) => f.channel === 0).map((f) => rtp(f.payload))
      const frames = rebuildFrames(packets)
      expect(frames.length).toBeGreaterThan(20)
      const steps = frames.slice(1).map((f, i) => (f.timestamp - frames[i]!.timestamp) >>> 0)
      expect(steps.every((step) => step > 0 && step % (90000 / FPS) === 0), `timestamp steps: ${steps.join(",")}`).toBe(true)
      expect(steps.some((step) => step > 90000 / FPS), "a hole where frames were dropped").toBe(true)
      for (let i = 1; i < packets.length; i++) {
        const gap = (packets[i]!.header.sequenceNumber - packets[i - 1]!.header.sequenceNumber) & 0xffff
        if (gap !== 1) expect(packets[i - 1]!.header.marker).toBe(true)
      }
    }), 60_000)
})
