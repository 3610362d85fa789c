/**
 * Publishers nobody here wrote push the sample to our server, and clients nobody here wrote
 * watch it: ffmpeg (`-f rtsp`) and GStreamer's rtspclientsink each publish over UDP and over
 * TCP. For each, the harness watches over UDP and TCP (pixel-exact, frames in order), ffmpeg
 * watches (every frame's framemd5 is a source frame's, in order) and GStreamer decodes (frame
 * numbers in order); when the publisher stops, every viewer gets BYE and ends by itself.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { ReceivedFrame } from "../../harness/receiver/mjpegReceiver.js"
import { makeClientSession } from "../../harness/session/ClientSession.js"
import type { TransportKind } from "../../src/protocol/rtsp/vocabulary.js"
import { consecutive, numberedFrames } from "../support/frameTruth.js"
import { sampleFrames } from "../support/gstRtspServer.js"
import { eventually } from "../support/polling.js"
import { startTestServer, type TestServer } from "../support/testServer.js"
import { ffmpeg, gstLaunch } from "../support/tools.js"
import { framemd5Hashes, inSourceOrder, pngFrameNumbers } from "../support/decodedFrames.js"

const ff = ffmpeg()
const gst = gstLaunch()
const skip = ff.skip || gst.skip
const dir = mkdtempSync(join(tmpdir(), "publishing-"))
const SOURCE_MJPEG = join(dir, "source.mjpeg")
const SOURCE_MKV = join(dir, "source.mkv")
/** The first 100 frames (5 s): GStreamer publishes them once and ends by itself (EOS: RTCP BYE, TEARDOWN). */
const SHORT_MKV = join(dir, "short.mkv")

interface Tool {
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
  stderr: string
}

const start = (command: string, args: ReadonlyArray<string>): Tool => {
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] })
  const tool: Tool = { child, exited: new Promise((resolve) => child.on("close", resolve)), stderr: "" }
  child.stderr?.on("data", (chunk: Buffer) => { tool.stderr += chunk.toString() })
  // Bounded: nothing here runs longer than a minute.
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000)
  void tool.exited.then(() => clearTimeout(timer))
  return tool
}

/** Resolves with the exit code, or "still running" after `ms`. */
const exitWithin = (tool: Tool, ms: number): Promise<number | null | "still running"> =>
  Promise.race([tool.exited, new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), ms))])

let server: TestServer
let sourceHashes: Array<string> = []

beforeAll(async () => {
  server = await startTestServer({ publish: true })
  if (skip) return
  writeFileSync(SOURCE_MJPEG, Buffer.concat(sampleFrames()))
  const mkv = start("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "mjpeg", "-framerate", "20", "-i", SOURCE_MJPEG, "-c:v", "copy", "-y", SOURCE_MKV])
  expect(await mkv.exited).toBe(0)
  const short = start("ffmpeg", ["-hide_banner", "-loglevel", "error", "-i", SOURCE_MKV, "-c:v", "copy", "-frames:v", "100", "-y", SHORT_MKV])
  expect(await short.exited).toBe(0)
  const md5 = start("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "mjpeg", "-i", SOURCE_MJPEG, "-f", "framemd5", "-y", join(dir, "source.md5")])
  expect(await md5.exited).toBe(0)
  sourceHashes = framemd5Hashes(join(dir, "source.md5"))
})
afterAll(async () => {
  await server.close()
})

const publishers = {
  ffmpeg: (url: string, transport: TransportKind): Tool =>
    start("ffmpeg", ["-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", SOURCE_MKV, "-c:v", "copy", "-f", "rtsp", "-rtsp_transport", transport, url]),
  gstreamer: (url: string, transport: TransportKind): Tool =>
    start("gst-launch-1.0", ["-q", "filesrc", `location=${SHORT_MKV}`, "!", "matroskademux", "!", "jpegparse", "!", "rtspclientsink", `location=${url}`, `protocols=${transport}`])
}

/** Every error GStreamer printed is rtspsrc failing to send on a connection already closed at its teardown. */
const onlyTeardownRace = (stderr: string): boolean => {
  const errors = stderr.split("\n").filter((line) => line.startsWith("ERROR:"))
  return errors.length > 0 &&
    errors.every((line) => line.includes("GstRTSPSrc") && line.includes("Could not write to resource")) &&
    (stderr.match(/Could not send message\. \(Received end-of-file\)/g) ?? []).length === errors.length
}

const cases = [
  { publisher: "ffmpeg", transport: "udp", other: "tcp" },
  { publisher: "ffmpeg", transport: "tcp", other: "udp" },
  { publisher: "gstreamer", transport: "udp", other: "tcp" },
  { publisher: "gstreamer", transport: "tcp", other: "udp" }
] as const

describe("interop: publishing", () => {
  for (const { publisher, transport, other } of cases) {
    it.scopedLive.skipIf(skip)(`${publisher} publishes over ${transport}: the harness (UDP, TCP), ffmpeg (${transport}) and GStreamer (${other}) watch pixel-exact and get BYE at its end`, () =>
      Effect.gen(function* () {
        const path = `live/${publisher}-${transport}`
        const url = server.url(path)
        const pushing = publishers[publisher](url, transport)
        // Wait until the path describes (the publisher is recording).
        const probe = (yield* makeClientSession({ url, transport: "tcp" }))
        let described = false
        for (let tries = 0; tries < 100 && !described; tries++) {
          described = (yield* Effect.either(probe.describe))._tag === "Right"
          if (!described) yield* Effect.sleep(100)
        }
        expect(described, `the path never described: ${pushing.stderr}`).toBe(true)

        const harnessFrames: Record<"udp" | "tcp", Array<ReceivedFrame>> = { udp: [], tcp: [] }
        const viewers = yield* Effect.forEach(["udp", "tcp"] as const, (t) =>
          Effect.gen(function* () {
            const viewer = yield* makeClientSession({ url, transport: t, udpFallbackMs: 0, onFrame: (frame) => harnessFrames[t].push(frame) })
            yield* viewer.setup
            yield* viewer.play()
            return viewer
          }))
        const md5 = join(dir, `${publisher}-${transport}.md5`)
        const ffmpegViewer = start("ffmpeg", ["-hide_banner", "-loglevel", "error", "-rtsp_transport", transport, "-i", url, "-f", "framemd5", "-y", md5])
        const pngs = join(dir, `${publisher}-${transport}-gst`)
        mkdirSync(pngs, { recursive: true })
        const gstViewer = start("gst-launch-1.0", ["-q", "rtspsrc", `location=${url}`, `protocols=${other}`, "!", "rtpjpegdepay", "!", "jpegdec", "!", "videoconvert", "!", "pngenc", "!", "multifilesink", `location=${join(pngs, "%05d.png")}`])

        yield* eventually(() => harnessFrames.udp.length >= 40 && harnessFrames.tcp.length >= 40 && readdirSync(pngs).length >= 40, 15_000)
        for (const t of ["udp", "tcp"] as const) {
          const numbers = (yield* numberedFrames(harnessFrames[t])).map((f) => f.n)
          expect(consecutive(numbers), `harness over ${t}: ${numbers.join(",")}`).toBe(true)
        }

        // The publisher stops: ffmpeg at SIGINT (TEARDOWN), GStreamer at the end of its file (RTCP BYE, TEARDOWN).
        if (publisher === "ffmpeg") pushing.child.kill("SIGINT")
        expect(yield* Effect.all(viewers.map((v) => v.awaitBye(8000)))).toEqual([true, true])
        const [ffmpegExit, gstExit] = yield* Effect.promise(() => Promise.all([exitWithin(ffmpegViewer, 8000), exitWithin(gstViewer, 8000)]))
        ffmpegViewer.child.kill("SIGKILL")
        gstViewer.child.kill("SIGKILL")
        expect(ffmpegExit, `ffmpeg viewer: ${ffmpegViewer.stderr}`).toBe(0)
        // GStreamer ends by itself at the BYE. How its pipeline then shuts down is its own: on a loaded machine its PAUSE
        // after its TEARDOWN has been seen to fail on its closed connection ("Received end-of-file", exit 1), as in
        // serverPlayback.test.ts. Any other error fails the test.
        expect(gstExit === 0 || (gstExit === 1 && onlyTeardownRace(gstViewer.stderr)), `GStreamer viewer ended with ${String(gstExit)}: ${gstViewer.stderr}`).toBe(true)
        const hashes = framemd5Hashes(md5)
        expect(hashes.length).toBeGreaterThanOrEqual(40)
        expect(inSourceOrder(hashes, sourceHashes), "ffmpeg's frames are the source's, in order").toBe(true)
        const numbers = yield* Effect.promise(() => pngFrameNumbers(pngs))
        expect(numbers.every((n) => n !== undefined)).toBe(true)
        expect(consecutive(numbers as Array<number>), `GStreamer: ${numbers.join(",")}`).toBe(true)
        yield* Effect.promise(() => exitWithin(pushing, 5000))
        pushing.child.kill("SIGKILL")
      }))
  }
})
