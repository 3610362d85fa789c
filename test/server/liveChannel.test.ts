/**
 * Live file channels (--live): one clock from the server's start. Two viewers started 2 s
 * apart see the same frame numbers (read from the pixels) at the same moments, both pixel-exact;
 * DESCRIBE says the stream is live, PLAY with a seek joins the live edge with `Range: npt=now-`,
 * PAUSE then PLAY joins the edge again, and ffmpeg and GStreamer play it. A --live path that is not there
 * stops the start with a clear error.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import type { ReceivedFrame } from "../../harness/receiver/mjpegReceiver.js"
import { makeClientSession } from "../../harness/session/ClientSession.js"
import { liveJoinFrame } from "../../src/server/liveChannel.js"
import { type NumberedFrame, numberedFrames } from "../support/frameTruth.js"
import { runProcess } from "../support/harnessProcess.js"
import { startTestServer, type TestServer } from "../support/testServer.js"
import { ffmpeg, gstLaunch } from "../support/tools.js"

const ff = ffmpeg()
const gst = gstLaunch()
const FPS = 20

describe("liveJoinFrame", () => {
  it.each([
    { name: "at the epoch: frame 0", epoch: 1000, now: 1000, frame: 0 },
    { name: "just after a frame was due: the next one", epoch: 1000, now: 1001, frame: 1 },
    { name: "exactly when frame 40 is due: frame 40", epoch: 1000, now: 3000, frame: 40 },
    { name: "before the epoch: frame 0", epoch: 5000, now: 1000, frame: 0 },
    { name: "hours in, past the file's end: the count goes on", epoch: 0, now: 3_600_000, frame: 72_000 }
  ])("$name", ({ epoch, now, frame }) => {
    expect(liveJoinFrame(epoch, now, FPS)).toBe(frame)
  })
})

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ live: ["movie.Mjpeg"] })
})
afterAll(async () => {
  await server.close()
})

const viewer = (frames: Array<ReceivedFrame>) =>
  makeClientSession({ url: server.url(), transport: "udp", udpFallbackMs: 0, onFrame: (frame) => frames.push(frame) })

describe("a live channel", () => {
  it.scopedLive("two viewers 2 s apart see the same frames at the same moments, pixel-exact", () =>
    Effect.gen(function* () {
      const early: Array<ReceivedFrame> = []
      const late: Array<ReceivedFrame> = []
      const first = yield* viewer(early)
      const described = yield* first.describe
      expect(described.sdp.range).toMatchObject({ _tag: "Npt", start: "now" })
      yield* first.setup
      yield* first.play()
      yield* Effect.sleep(2000)
      const second = yield* viewer(late)
      yield* second.setup
      // A seek on a live channel joins the live edge, answered as live.
      const played = yield* second.play({ start: 0 })
      expect(played.headers.find(([name]) => name.toLowerCase() === "range")?.[1]).toBe("npt=now-")
      // /metrics counts the channel's viewers.
      expect(server.metrics.snapshot().liveViewers).toStrictEqual({ "movie.Mjpeg": 2 })
      yield* Effect.sleep(1500)
      yield* second.teardown
      yield* first.teardown
      const a = yield* numberedFrames(early)
      const b = yield* numberedFrames(late)
      expect(b.length).toBeGreaterThan(20)
      // The later viewer joined the running channel, not the file's start.
      expect(b[0]!.n).toBeGreaterThan(a[0]!.n + 30)
      const arrivalOf = new Map(a.map((s) => [s.n, s.arrivalMs]))
      const apart = b.flatMap((s: NumberedFrame) => {
        const at = arrivalOf.get(s.n)
        return at === undefined ? [] : [Math.abs(at - s.arrivalMs)]
      })
      expect(apart.length).toBeGreaterThan(20)
      // One clock: the same frame reaches both within a small part of its 50 ms (the median, on a shared machine).
      const sorted = [...apart].sort((x, y) => x - y)
      expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(10)
    }))

  it.scopedLive("PAUSE, then PLAY, joins the live edge again: frames missed while paused are not sent late", () =>
    Effect.gen(function* () {
      const frames: Array<ReceivedFrame> = []
      const session = yield* viewer(frames)
      yield* session.setup
      yield* session.play()
      yield* Effect.sleep(700)
      yield* session.pause
      const beforePause = frames.length
      yield* Effect.sleep(1000)
      yield* session.play()
      yield* Effect.sleep(700)
      yield* session.teardown
      const seen = yield* numberedFrames(frames)
      const jump = seen[beforePause]!.n - seen[beforePause - 1]!.n
      // About 20 frames went by in the paused second.
      expect(jump).toBeGreaterThanOrEqual(15)
      expect(jump).toBeLessThanOrEqual(30)
    }))

  it.skipIf(ff.skip)("ffmpeg plays it as a live stream, at the channel's rate (requires ffmpeg)", async () => {
    // Asynchronously: the server runs in this process.
    const ran = await runProcess("ffmpeg", ["-hide_banner", "-nostats", "-rtsp_transport", "tcp", "-i", server.url(), "-t", "2", "-f", "null", "-"], 30_000)
    expect(ran.code, ran.stderr).toBe(0)
    expect(ran.stderr).toMatch(/Duration: N\/A/)
    expect(ran.stderr).toMatch(/frame=\s*40\b/)
  })

  it.skipIf(gst.skip)("GStreamer plays it: its PLAY is answered as live (npt=now-), and frames decode (requires gst-launch-1.0)", async () => {
    const ran = await runProcess("gst-launch-1.0", [
      "-q", "rtspsrc", `location=${server.url()}`, "protocols=tcp", "!", "rtpjpegdepay", "!", "jpegdec", "!", "fakesink", "num-buffers=40"
    ], 30_000)
    expect(ran.code, ran.stderr).toBe(0)
  })

  it.live("a --live path the library does not have stops the start, naming it", () =>
    Effect.gen(function* () {
      const started = yield* Effect.exit(Effect.promise(() => startTestServer({ live: ["nope.Mjpeg"] }).then(
        (s) => s.close().then(() => "started"),
        (error: unknown) => String(error)
      )))
      expect(Exit.isSuccess(started) ? started.value : "").toMatch(/--live nope\.Mjpeg/)
    }))
})
