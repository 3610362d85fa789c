/**
 * Cross-check with a decoder we did not write: our RFC 2435 packets for the
 * sample video, sent over UDP to ffmpeg (SDP input), must decode to exactly
 * the pixels ffmpeg gets from the source JPEGs.
 */
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { createSocket } from "node:dgram"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { analyzeMjpeg } from "../../src/media/analyze.js"
import { writeRtpHeader } from "../../src/protocol/rtp.js"
import { packetizeRfc2435 } from "../../src/protocol/jpeg/rfc2435Packetizer.js"
import { ffmpeg } from "../support/tools.js"

const tool = ffmpeg()
const SAMPLE = "video/movie.Mjpeg"

const runFfmpeg = (args: ReadonlyArray<string>, whileRunning?: (done: () => boolean) => Promise<void>): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const child = spawn("ffmpeg", ["-hide_banner", "-loglevel", "error", ...args], { stdio: ["ignore", "pipe", "pipe"] })
    const out: Array<Buffer> = []
    let stderr = ""
    let exited = false
    const killer = setTimeout(() => child.kill("SIGKILL"), 45_000)
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk))
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString() })
    child.on("error", reject)
    child.on("close", (code) => {
      exited = true
      clearTimeout(killer)
      if (code === 0) resolve(Buffer.concat(out))
      else reject(new Error(`ffmpeg exited with ${code}: ${stderr}`))
    })
    whileRunning?.(() => exited).catch(reject)
  })

const hash = (pixels: Buffer): string => createHash("sha1").update(pixels).digest("hex")

const splitFrames = (raw: Buffer, frameBytes: number): Array<Buffer> =>
  Array.from({ length: Math.floor(raw.length / frameBytes) }, (_, i) => raw.subarray(i * frameBytes, (i + 1) * frameBytes))

const freeUdpPort = (): Promise<number> =>
  new Promise((resolve) => {
    const socket = createSocket("udp4")
    socket.bind(0, "127.0.0.1", () => {
      const { port } = socket.address()
      socket.close(() => resolve(port))
    })
  })

describe("ffmpeg decodes our RFC 2435 stream", () => {
  it.skipIf(tool.skip)("every frame of the sample, to the same pixels as the source JPEGs (requires ffmpeg)", async () => {
    const analysis = analyzeMjpeg(readFileSync(SAMPLE), { fileName: SAMPLE })
    const frames = analysis.rfc2435Frames
    expect(frames?.length).toBe(200)
    if (!frames) return
    const dir = mkdtempSync(join(tmpdir(), "rfc2435-ffmpeg-"))
    const frameBytes = analysis.width * analysis.height * 3

    writeFileSync(join(dir, "source.mjpeg"), Buffer.concat(analysis.frames.map((f) => f.jpeg)))
    const reference = splitFrames(
      await runFfmpeg(["-f", "mjpeg", "-i", join(dir, "source.mjpeg"), "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]),
      frameBytes
    )
    expect(reference.length).toBe(frames.length)
    const referenceIndex = new Map(reference.map((pixels, i) => [hash(pixels), i]))
    expect(referenceIndex.size).toBe(frames.length)

    const port = await freeUdpPort()
    writeFileSync(join(dir, "stream.sdp"), [
      "v=0", "o=- 0 0 IN IP4 127.0.0.1", "s=cross-check", "c=IN IP4 127.0.0.1", "t=0 0",
      `m=video ${port} RTP/AVP 26`, "a=rtpmap:26 JPEG/90000", ""
    ].join("\r\n"))
    const packetized = frames.map((frame) => Either.getOrThrow(packetizeRfc2435(frame, { mtu: 1400 })))
    const socket = createSocket("udp4")
    // ffmpeg probes the stream before it decodes, so the sample is sent in rounds (bounded)
    // until ffmpeg has written the frames it was asked for.
    const wanted = frames.length * 2
    const send = async (done: () => boolean): Promise<void> => {
      let seq = 1000
      let frameCount = 0
      for (let round = 0; round < 6 && !done(); round++) {
        for (const packets of packetized) {
          if (done()) break
          const timestamp = frameCount++ * 4500
          packets.forEach((payload, i) => {
            const header = Buffer.alloc(12)
            writeRtpHeader(header, 0, i === packets.length - 1, 26, seq++ & 0xffff, timestamp, 0x1234abcd)
            socket.send([header, payload], port, "127.0.0.1")
          })
          await new Promise((r) => setTimeout(r, 3))
        }
      }
    }
    try {
      const output = await runFfmpeg([
        "-protocol_whitelist", "file,udp,rtp", "-i", join(dir, "stream.sdp"),
        "-fps_mode", "passthrough", "-frames:v", String(wanted), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"
      ], send)
      const decoded = splitFrames(output, frameBytes)
      expect(decoded.length).toBe(wanted)
      const matched = decoded.map((pixels) => referenceIndex.get(hash(pixels)))
      // Every frame ffmpeg decoded is exactly one of the source frames...
      expect(matched.filter((i) => i === undefined).length).toBe(0)
      // ...and every source frame came through.
      expect(new Set(matched).size).toBe(frames.length)
    } finally {
      socket.close()
    }
  })
})
