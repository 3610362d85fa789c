/**
 * Multicast from our server to clients nobody here wrote, in a network namespace the test makes
 * (multicast on the host would leave by its default route). The server serves a live channel of
 * the numbered sample and takes publishers. On the live channel, ffmpeg (`-rtsp_transport
 * udp_multicast`), GStreamer (`rtspsrc protocols=udp-mcast`) and two harness players
 * (`--transport multicast`) watch at once: ffmpeg's frames are the source's in order, GStreamer's
 * and the harness's frame numbers run on, nothing is lost, and the server sent fewer packets than
 * the two harness players alone received: one send per packet served everyone. A published path
 * plays the same way, and its group hears BYE when the publisher stops. A lone member's PAUSE
 * stops the group; a member's PAUSE while another plays does not (a group cannot stop for one).
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import type { ChildProcess } from "node:child_process"
import { consecutive } from "../support/frameTruth.js"
import { sampleFrames } from "../support/gstRtspServer.js"
import { type Ran, runProcess } from "../support/harnessProcess.js"
import { type NetworkNamespace, networkNamespaces, openNamespace } from "../support/netns.js"
import { readUntilAsync, waitUntilAsync } from "../support/polling.js"
import { sleep } from "../support/rtspTestClient.js"
import { ffmpeg, gstLaunch } from "../support/tools.js"
import { framemd5Hashes, inSourceOrder, pngFrameNumbers } from "../support/decodedFrames.js"

const netns = networkNamespaces()
const ff = ffmpeg()
const gst = gstLaunch()
const skip = netns.skip || ff.skip || gst.skip

const dir = mkdtempSync(join(tmpdir(), "multicast-interop-"))
const media = join(dir, "media")
const RTSP = "rtsp://127.0.0.1:8554"
const METRICS = "http://127.0.0.1:9100/metrics"

let ns: NetworkNamespace | undefined
let server: ChildProcess | undefined
let serverLog = ""
let sourceHashes: Array<string> = []

beforeAll(async () => {
  if (skip) return
  mkdirSync(media, { recursive: true })
  writeFileSync(join(media, "numbered.mjpeg"), Buffer.concat(sampleFrames()))
  const md5 = await runProcess("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "mjpeg", "-i", join(media, "numbered.mjpeg"), "-f", "framemd5", "-y", join(dir, "source.md5")], 60_000)
  expect(md5.code).toBe(0)
  sourceHashes = framemd5Hashes(join(dir, "source.md5"))
  ns = await openNamespace()
  server = ns.spawn(process.execPath, [
    "dist/src/cli/bin.js", "serve", "--media", media, "--live", "numbered.mjpeg", "--publish",
    "--host", "127.0.0.1", "--port", "8554", "--rtp-port", "6970", "--http-port", "9100"
  ], { stdio: ["ignore", "ignore", "pipe"], timeoutMs: 240_000 })
  server.stderr?.on("data", (chunk: Buffer) => { serverLog += chunk.toString() })
  expect(await waitUntilAsync(() => serverLog.includes("multicast: "), 20_000), serverLog).toBe(true)
}, 90_000)

afterAll(async () => {
  await ns?.close()
})

/** One metric's samples from the server's /metrics, read inside the namespace. */
const metric = async (name: string): Promise<Array<{ readonly labels: string; readonly value: number }>> => {
  const { body } = await ns!.fetchText(METRICS, 10_000)
  return body.split("\n").flatMap((line) => {
    const match = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`).exec(line)
    return match === null ? [] : [{ labels: match[1] ?? "", value: Number(match[2]) }]
  })
}

const harnessPlay = (url: string, seconds: number, dumpDir?: string): Promise<Ran> =>
  ns!.run(process.execPath, ["dist/harness/bin.js", "play", url, "--transport", "multicast", "--duration", `${seconds}s`, "--json", ...(dumpDir === undefined ? [] : ["--dump-dir", dumpDir])], (seconds + 30) * 1000)

interface PlayFigures {
  readonly framesReceived: number
  readonly packetsReceived: number
  readonly packetsLost: number
  readonly transport: string
  readonly multicastGroup: string
  readonly byeReceived: boolean
}

/** What a `play --json` run says arrived. */
const figuresOf = (ran: Ran): PlayFigures => {
  expect(ran.code, ran.stderr).toBe(0)
  return JSON.parse(ran.stdout) as PlayFigures
}

describe("interop: multicast", () => {
  it.skipIf(skip)("ffmpeg, GStreamer and two harness players watch a live channel at once; one send per packet serves them all", async () => {
    const url = `${RTSP}/numbered.mjpeg`
    const before = (await metric("rtsp_rtp_packets_sent_total"))[0]?.value ?? 0
    const viewing = (n: number) => readUntilAsync(() => metric("rtsp_multicast_viewers"), (samples) => (samples[0]?.value ?? 0) >= n, 20_000)
    // The harness players first (node starts slowest), then ffmpeg and GStreamer while they play.
    const players = [harnessPlay(url, 10), harnessPlay(url, 10)]
    expect((await viewing(2))[0]?.value).toBe(2)
    const pngs = join(dir, "gst")
    mkdirSync(pngs, { recursive: true })
    // GStreamer's RTCP comes back to it through the group, which it takes for an SSRC collision and
    // answers with a BYE to the group; ffmpeg takes any BYE there for the end of its stream. So here
    // GStreamer sends no RTCP.
    const gstViewer = ns!.spawn("gst-launch-1.0", ["-q", "rtspsrc", `location=${url}`, "protocols=udp-mcast", "do-rtcp=false", "!", "rtpjpegdepay", "!", "jpegdec", "!", "videoconvert", "!", "pngenc", "!", "multifilesink", `location=${join(pngs, "%05d.png")}`], { stdio: "ignore", timeoutMs: 60_000 })
    const md5 = join(dir, "ffmpeg.md5")
    const ffmpegViewer = ns!.run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-rtsp_transport", "udp_multicast", "-i", url, "-frames:v", "60", "-f", "framemd5", "-y", md5], 40_000)
    // While they all watch: one group, four members playing it.
    expect(await viewing(4)).toEqual([{ labels: '{path="numbered.mjpeg",group="239.255.42.1:8002"}', value: 4 }])
    expect((await metric("rtsp_multicast_groups"))[0]?.value).toBe(1)
    expect(await waitUntilAsync(() => readdirSync(pngs).length >= 40, 15_000), "GStreamer wrote 40 frames").toBe(true)
    const [a, b] = (await Promise.all(players)).map(figuresOf)
    const ffmpegRan = await ffmpegViewer
    gstViewer.kill("SIGINT")
    expect(ffmpegRan.code, ffmpegRan.stderr).toBe(0)
    for (const figures of [a!, b!]) {
      expect([figures.transport, figures.multicastGroup]).toEqual(["multicast", "239.255.42.1:8002"])
      expect(figures.framesReceived).toBeGreaterThanOrEqual(150)
      expect(figures.packetsLost).toBe(0)
    }
    const hashes = framemd5Hashes(md5)
    expect(hashes.length).toBe(60)
    expect(inSourceOrder(hashes, sourceHashes), "ffmpeg's frames are the source's, in order").toBe(true)
    const numbers = await pngFrameNumbers(pngs)
    expect(numbers.every((n) => n !== undefined), `GStreamer's frames carry numbers: ${numbers.join(",")}`).toBe(true)
    expect(consecutive(numbers as Array<number>), `GStreamer: ${numbers.join(",")}`).toBe(true)
    // Unicast would have sent each player its own packets: at least a + b in all.
    await sleep(500)
    const sent = ((await metric("rtsp_rtp_packets_sent_total"))[0]?.value ?? 0) - before
    expect(sent, `server sent ${sent}, the harness players got ${a!.packetsReceived} + ${b!.packetsReceived}`).toBeLessThan(a!.packetsReceived + b!.packetsReceived)
    expect(sent).toBeGreaterThanOrEqual(Math.max(a!.packetsReceived, b!.packetsReceived))
  }, 90_000)

  it.skipIf(skip)("a published path plays over multicast pixel-exact, and its group hears BYE when the publisher stops", async () => {
    const url = `${RTSP}/live/cam`
    const mkv = join(dir, "source.mkv")
    const made = await runProcess("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "mjpeg", "-framerate", "20", "-i", join(media, "numbered.mjpeg"), "-c:v", "copy", "-y", mkv], 60_000)
    expect(made.code).toBe(0)
    const publisher = ns!.spawn("ffmpeg", ["-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", mkv, "-c:v", "copy", "-f", "rtsp", "-rtsp_transport", "tcp", url], { stdio: "ignore", timeoutMs: 60_000 })
    expect(await waitUntilAsync(() => serverLog.includes("publisher started: live/cam"), 15_000), serverLog).toBe(true)
    const frames = join(dir, "published")
    mkdirSync(frames, { recursive: true })
    const player = harnessPlay(url, 20, frames)
    expect(await waitUntilAsync(() => readdirSync(frames, { withFileTypes: true }).length >= 40, 20_000), "the harness wrote 40 frames").toBe(true)
    publisher.kill("SIGINT")
    const ran = await player
    const figures = figuresOf(ran)
    expect(figures.packetsLost).toBe(0)
    const numbers = await pngFrameNumbers(frames)
    expect(numbers.length).toBeGreaterThanOrEqual(40)
    expect(consecutive(numbers as Array<number>), `harness: ${numbers.join(",")}`).toBe(true)
    // The run ended at the group's BYE, long before its 20 s.
    expect(figures.byeReceived).toBe(true)
  }, 90_000)

  it.skipIf(skip)("a lone member's PAUSE stops the group; with another member playing, the group goes on", async () => {
    const url = `${RTSP}/numbered.mjpeg`
    // Play 2 s, pause 2 s, play 2 s: 80 frames or so if the PAUSE stopped the group, 120 if it did not.
    const scenario = (frames: { readonly min?: number; readonly max?: number }) => {
      const file = join(dir, `pause-${frames.min ?? 0}-${frames.max ?? 0}.json`)
      writeFileSync(file, JSON.stringify({
        name: "multicast pause",
        url,
        transport: "multicast",
        steps: [{ step: "setup" }, { step: "play" }, { step: "wait", duration: "2s" }, { step: "pause" }, { step: "wait", duration: "2s" }, { step: "play" }, { step: "wait", duration: "2s" }, { step: "teardown" }],
        expect: { lossMaxPct: 0, frames, statuses: { SETUP: 200, PLAY: 200, PAUSE: 200, TEARDOWN: 200 } }
      }))
      return file
    }
    const runScenario = (file: string) => ns!.run(process.execPath, ["dist/harness/bin.js", "run", file, "--json"], 60_000)
    const alone = await runScenario(scenario({ min: 60, max: 100 }))
    expect(alone.code, alone.stdout + alone.stderr).toBe(0)
    const watcher = harnessPlay(url, 12)
    expect((await readUntilAsync(() => metric("rtsp_multicast_viewers"), (samples) => (samples[0]?.value ?? 0) >= 1, 20_000))[0]?.value).toBe(1)
    const beside = await runScenario(scenario({ min: 101 }))
    expect(beside.code, beside.stdout + beside.stderr).toBe(0)
    expect(figuresOf(await watcher).packetsLost).toBe(0)
  }, 120_000)
})
