/**
 * `npm run bench`: one JSON line per case. Figures are medians of several
 * timed runs on the sample video, so they can be compared across machines
 * and commits; each run repeats the work until it has lasted long enough to
 * time reliably. Then the server load cases (bench/serverLoad.ts): the
 * server in its own process, a load client here; then the harness's own
 * cases (bench/harnessLoad.ts).
 */
import { readFileSync } from "node:fs"
import { performance } from "node:perf_hooks"
import { analyzeMjpeg } from "../src/media/analyze.js"
import { makeRfc2435Depacketizer } from "../src/protocol/jpeg/rfc2435Depacketizer.js"
import { packetizeRfc2435 } from "../src/protocol/jpeg/rfc2435Packetizer.js"
import { runHarnessCases } from "./harnessLoad.js"
import { runServerCases } from "./serverLoad.js"
import { Either } from "effect"

const RUNS = 7
const MIN_RUN_MS = 250
const sample = process.argv[2] ?? "video/movie.Mjpeg"

interface RunResult {
  readonly seconds: number
  readonly bytes: number
  readonly packets: number
  readonly frames: number
}

/** Repeats `work` (one pass over the sample) until MIN_RUN_MS has passed; returns totals. */
const timedRun = (work: () => { bytes: number; packets: number; frames: number }): RunResult => {
  let bytes = 0
  let packets = 0
  let frames = 0
  const start = performance.now()
  let elapsed = 0
  do {
    const pass = work()
    bytes += pass.bytes
    packets += pass.packets
    frames += pass.frames
    elapsed = performance.now() - start
  } while (elapsed < MIN_RUN_MS)
  return { seconds: elapsed / 1000, bytes, packets, frames }
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

const report = (name: string, extra: Record<string, unknown>, runs: ReadonlyArray<RunResult>): void => {
  console.log(JSON.stringify({
    case: name,
    ...extra,
    runs: runs.length,
    mbPerSec: Number(median(runs.map((r) => r.bytes / r.seconds / 1e6)).toFixed(1)),
    packetsPerSec: Math.round(median(runs.map((r) => r.packets / r.seconds))),
    framesPerSec: Math.round(median(runs.map((r) => r.frames / r.seconds))),
    node: process.version
  }))
}

const analysis = analyzeMjpeg(readFileSync(sample), { fileName: sample })
const frames = analysis.rfc2435Frames
if (!frames) {
  console.error(`${sample} is not servable in the standard dialect; run: effect-rtsp video info ${sample}`)
  process.exit(1)
}

for (const mtu of [1400, 300]) {
  const packetizeAll = () => frames.map((frame) => Either.getOrThrow(packetizeRfc2435(frame, { mtu })))
  const packetized = packetizeAll()
  const scanBytes = frames.reduce((sum, f) => sum + f.scanData.length, 0)
  const packetCount = packetized.reduce((sum, p) => sum + p.length, 0)
  const extra = { sample, frames: frames.length, mtu }

  report("rfc2435.packetize", extra, Array.from({ length: RUNS }, () =>
    timedRun(() => {
      packetizeAll()
      return { bytes: scanBytes, packets: packetCount, frames: frames.length }
    })))

  report("rfc2435.depacketize", extra, Array.from({ length: RUNS }, () =>
    timedRun(() => {
      const depacketizer = makeRfc2435Depacketizer()
      let rebuilt = 0
      packetized.forEach((packets, index) => {
        packets.forEach((payload, i) => {
          for (const event of depacketizer.push({ timestamp: index * 4500, marker: i === packets.length - 1, payload })) {
            if (event._tag === "Frame") rebuilt++
          }
        })
      })
      if (rebuilt !== frames.length) throw new Error(`depacketizer rebuilt ${rebuilt} of ${frames.length} frames`)
      return { bytes: scanBytes, packets: packetCount, frames: rebuilt }
    })))
}

await runServerCases({ sample, frameCount: frames.length, fps: analysis.fps })
await runHarnessCases(sample)
