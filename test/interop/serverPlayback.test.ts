/**
 * Clients we did not write play the sample from our server, over UDP and
 * TCP: ffmpeg receives all 200 frames with exactly the source pixels
 * (framemd5 of the stream = framemd5 of the source JPEGs), and GStreamer's
 * rtspsrc ! rtpjpegdepay ! jpegdec decodes all 200, in order (frame numbers
 * read back from the pixels).
 */
import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import sharp from "sharp"
import { analyzeMjpeg } from "../../src/media/analyze.js"
import { readFrameNumber } from "../../src/video/frameCode.js"
import { startTestServer, type TestServer } from "../support/testServer.js"
import { ffmpeg, gstLaunch } from "../support/tools.js"
import { framemd5Hashes } from "../support/decodedFrames.js"

const ffmpegTool = ffmpeg()
const gstTool = gstLaunch()
const dir = mkdtempSync(join(tmpdir(), "server-playback-"))

/** Runs a tool to its end, killed after `timeoutMs`; with `done`, stopped (SIGINT) as soon as its output is complete. */
const run = (
  command: string,
  args: ReadonlyArray<string>,
  timeoutMs: number,
  done?: () => boolean
): Promise<{ code: number | null; stderr: string; stoppedWhenDone: boolean }> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] })
    let stderr = ""
    let stoppedWhenDone = false
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    // Done on two polls in a row, so a file still being written when first seen is complete.
    let doneOnce = false
    const poll = done === undefined ? undefined : setInterval(() => {
      if (stoppedWhenDone) return
      if (done() && doneOnce) {
        stoppedWhenDone = true
        child.kill("SIGINT")
      }
      doneOnce = done()
    }, 200)
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString() })
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      clearInterval(poll)
      resolve({ code, stderr, stoppedWhenDone })
    })
  })

let server: TestServer
/** The same server with one dgram send per packet (--udp-batching off): both UDP paths must play the same. */
let plainServer: TestServer
let sourceHashes: Array<string> = []

beforeAll(async () => {
  server = await startTestServer()
  plainServer = await startTestServer({ udpBatching: false })
  if (!ffmpegTool.skip) {
    const analysis = analyzeMjpeg(readFileSync("video/movie.Mjpeg"), { fileName: "movie.Mjpeg" })
    writeFileSync(join(dir, "source.mjpeg"), Buffer.concat(analysis.frames.map((f) => f.jpeg)))
    const result = await run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "mjpeg", "-i", join(dir, "source.mjpeg"), "-f", "framemd5", join(dir, "source.md5")], 30_000)
    expect(result.code).toBe(0)
    sourceHashes = framemd5Hashes(join(dir, "source.md5"))
  }
})

afterAll(async () => {
  await server?.close()
  await plainServer?.close()
})

describe("interop: the sample played from our server", () => {
  const cases = [
    { transport: "udp", plain: false, label: "udp" },
    { transport: "udp", plain: true, label: "udp, one send per packet" },
    { transport: "tcp", plain: false, label: "tcp" }
  ] as const
  for (const { transport, plain, label } of cases) {
    const serving = () => (plain ? plainServer : server)
    const tag = `${transport}${plain ? "-plain" : ""}`
    it.skipIf(ffmpegTool.skip)(`ffmpeg over ${label}: all 200 frames, exactly the source pixels (requires ffmpeg)`, async () => {
      const server = serving()
      expect(sourceHashes.length).toBe(200)
      const out = join(dir, `ffmpeg-${tag}.md5`)
      const result = await run("ffmpeg", [
        "-hide_banner", "-loglevel", "error", "-rtsp_transport", transport, "-i", server.url(), "-f", "framemd5", "-y", out
      ], 40_000)
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      expect(framemd5Hashes(out)).toEqual(sourceHashes)
    })

    it.skipIf(gstTool.skip)(`GStreamer over ${label}: decodes all 200 frames in order (requires gst-launch-1.0)`, async () => {
      const server = serving()
      const frames = join(dir, `gst-${tag}`)
      await run("mkdir", ["-p", frames], 5000)
      // gst-launch ends by itself at the RTCP BYE; on a loaded machine it is stopped once all
      // 200 frames are written (what is checked is the frames, not how the pipeline ends).
      const result = await run("gst-launch-1.0", [
        "-q", "rtspsrc", `location=${server.url()}`, `protocols=${transport}`,
        "!", "rtpjpegdepay", "!", "jpegdec", "!", "videoconvert", "!", "pngenc", "!",
        "multifilesink", `location=${join(frames, "%05d.png")}`
      ], 40_000, () => readdirSync(frames).length >= 200)
      const written = readdirSync(frames).length
      // Once every frame is out, how the pipeline ends is GStreamer's: on a loaded machine its
      // PAUSE/TEARDOWN after the BYE has been seen to fail ("Received end-of-file") with all 200 written.
      expect(result.code === 0 || result.stoppedWhenDone || written >= 200, `gst-launch-1.0 ended with ${result.code} after ${written} frames: ${result.stderr}`).toBe(true)
      const files = readdirSync(frames).sort()
      expect(files.length).toBe(200)
      const numbers = await Promise.all(files.map(async (file) => {
        const { data, info } = await sharp(join(frames, file)).raw().toBuffer({ resolveWithObject: true })
        return readFrameNumber(data, info.width, info.height, info.channels)
      }))
      expect(numbers).toEqual(Array.from({ length: 200 }, (_, i) => i))
    })
  }
})
