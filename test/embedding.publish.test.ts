/**
 * The README's "serve your own camera" example, run: an Effect program feeds a path from a Stream
 * of JPEG frames (and another from a Stream of RTP packets); a viewer watches each pixel-exact and
 * gets BYE when the stream ends. Bad paths, a taken path and bad frames are refused, typed.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Logger, LogLevel, Schedule, Stream } from "effect"
import type { ReceivedFrame } from "../harness/receiver/mjpegReceiver.js"
import { makeClientSession } from "../harness/session/ClientSession.js"
import { Server } from "../src/index.js"
import { consecutive, numberedFrames } from "./support/frameTruth.js"
import { eventually } from "./support/polling.js"
import { makeRtpJpegSource, sourceJpegs } from "./support/rtpJpegSource.js"

const serverLayer = Server.layer({ ...Server.defaultServerConfig, host: "127.0.0.1", port: 0, rtpPort: 0, mediaRoot: "video" }).pipe(
  Layer.provideMerge(Server.Metrics.layer),
  Layer.provide(NodeContext.layer)
)

/** Watches `path` over TCP until `count` frames came and the stream's BYE; the frames' numbers. */
const watchToTheEnd = (port: number, path: string, count: number) =>
  Effect.gen(function* () {
    const frames: Array<ReceivedFrame> = []
    const viewer = yield* makeClientSession({ url: `rtsp://127.0.0.1:${port}/${path}`, transport: "tcp", onFrame: (frame) => frames.push(frame) })
    yield* viewer.setup
    yield* viewer.play()
    yield* eventually(() => frames.length >= count, 5000)
    return { viewer, frames }
  })

describe("embedding: a path fed from code", () => {
  it.scopedLive("a Stream of JPEG frames at 20 fps plays pixel-exact, and its end is the viewers' BYE", () =>
    Effect.gen(function* () {
      const rtsp = yield* Server.RtspServer
      // The program's own camera: here the sample's JPEGs, one every 50 ms, 60 of them.
      const camera = Stream.fromIterable(sourceJpegs.slice(0, 60)).pipe(Stream.schedule(Schedule.spaced("50 millis")))
      const publishing = yield* Effect.fork(rtsp.publishJpegStream("cam/front", camera))
      yield* Effect.sleep(300)
      const { viewer, frames } = yield* watchToTheEnd(rtsp.port, "cam/front", 20)
      const numbers = (yield* numberedFrames(frames)).map((f) => f.n)
      expect(consecutive(numbers), numbers.join(",")).toBe(true)
      expect(yield* viewer.awaitBye(5000)).toBe(true)
      expect(yield* Fiber.join(publishing)).toBeUndefined()
      // The stream ended: the path is free, for code as for a network publisher.
      expect(yield* Effect.either(Effect.timeout(rtsp.publishJpegStream("cam/front", Stream.empty), "1 second"))).toMatchObject({ _tag: "Right" })
    }).pipe(Effect.provide(serverLayer), Effect.provide(Logger.minimumLogLevel(LogLevel.Error))))

  it.scopedLive("a Stream of RTP/JPEG packets plays pixel-exact; a bad frame in it is counted, not the stream's end", () =>
    Effect.gen(function* () {
      const rtsp = yield* Server.RtspServer
      const metrics = yield* Server.Metrics.Metrics
      const source = makeRtpJpegSource()
      const packets = Stream.range(0, 59).pipe(
        Stream.schedule(Schedule.spaced("50 millis")),
        // Frame 30 arrives with its second fragment lost.
        Stream.flatMap((k) => Stream.fromIterable(k === 30 ? source.frame(k).filter((_, i) => i !== 1) : source.frame(k)))
      )
      const publishing = yield* Effect.fork(rtsp.publishRtpStream("cam/rtp", packets))
      yield* Effect.sleep(300)
      const { viewer, frames } = yield* watchToTheEnd(rtsp.port, "cam/rtp", 35)
      const numbers = (yield* numberedFrames(frames)).map((f) => f.n)
      expect(numbers.includes(30)).toBe(false)
      expect(consecutive(numbers.filter((n) => n < 30))).toBe(true)
      expect(metrics.snapshot().published?.["cam/rtp"]?.rejected).toEqual({ Incomplete: 1 })
      expect(yield* viewer.awaitBye(5000)).toBe(true)
      yield* Fiber.join(publishing)
    }).pipe(Effect.provide(serverLayer), Effect.provide(Logger.minimumLogLevel(LogLevel.Error))))

  it.effect("a bad path and a file's path are refused with a typed PublishError", () =>
    Effect.gen(function* () {
      const rtsp = yield* Server.RtspServer
      const bad = yield* Effect.flip(rtsp.publishJpegStream("../up", Stream.empty))
      expect(bad).toMatchObject({ _tag: "PublishError", reason: "BadPath" })
      const file = yield* Effect.flip(rtsp.publishJpegStream("movie.Mjpeg", Stream.empty))
      expect(file).toMatchObject({ _tag: "PublishError", reason: "PathInUse", message: "movie.Mjpeg is a file this server serves; publish under another path" })
    }).pipe(Effect.provide(serverLayer), Effect.provide(Logger.minimumLogLevel(LogLevel.Error))))

  it.scopedLive("a path taken by a stream is refused to a second one while the first runs", () =>
    Effect.gen(function* () {
      const rtsp = yield* Server.RtspServer
      const first = yield* Effect.fork(rtsp.publishJpegStream("cam/one", Stream.never))
      yield* Effect.sleep(50)
      expect(yield* Effect.flip(rtsp.publishJpegStream("cam/one", Stream.empty))).toMatchObject({ reason: "PathInUse", message: "cam/one already has a publisher" })
      yield* Fiber.interrupt(first)
      expect(yield* Effect.either(rtsp.publishJpegStream("cam/one", Stream.empty))).toMatchObject({ _tag: "Right" })
    }).pipe(Effect.provide(serverLayer), Effect.provide(Logger.minimumLogLevel(LogLevel.Error))))
})
