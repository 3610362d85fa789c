/**
 * The harness's own cases of `npm run bench`, one JSON line each:
 *
 * - `harness.receive`: the per-packet path alone (RTP decode, RFC 2435 reassembly, loss/jitter
 *   and frame statistics) over the sample's packets, no sockets: packets/s on one core, median of
 *   several runs, and how many 20 fps sessions of the sample that is.
 * - `harness.load` (BENCH_HARNESS_SESSIONS, default 200; 0 skips): `rtsp-harness load`'s runner
 *   (runScenario) with N UDP clients against our server in its own process (looping the sample),
 *   for BENCH_WINDOW_SECONDS (default 10). The harness process's CPU over the whole run (set-up
 *   included) and in the steady state (every client playing), per packet received. Server and
 *   harness share this machine's cores, so the line also gives the server's CPU.
 */
import { Effect, Either } from "effect"
import { performance } from "node:perf_hooks"
import { basename, dirname, resolve } from "node:path"
import { analyzeMjpeg } from "../src/media/analyze.js"
import { packetizeRfc2435 } from "../src/protocol/jpeg/rfc2435Packetizer.js"
import { encodeRtpPacket } from "../src/protocol/rtp.js"
import { frameRtpTimestamp, JPEG_PAYLOAD_TYPE } from "../src/protocol/rtpJpeg.js"
import { makeMjpegReceiver } from "../harness/receiver/mjpegReceiver.js"
import { runScenario } from "../harness/run/runScenario.js"
import type { LiveStatus } from "../harness/run/liveStatus.js"
import type { Scenario } from "../harness/scenario/schema.js"
import { readFileSync } from "node:fs"
import { clockTicksPerSecond, spawnServer } from "./serverSpawn.js"
import { messageOf } from "../src/common/errorText.js"

const RUNS = 7
const MIN_RUN_MS = 250
const PACKETS_PER_SESSION_AT_20FPS = (frames: number, packets: number) => (packets / frames) * 20

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}
const round = (n: number, digits = 1): number => Number(n.toFixed(digits))

/** The sample as the datagrams a server sends: RTP header + RFC 2435 payload, timestamps at the file's rate. */
const sampleDatagrams = (sample: string): { readonly datagrams: ReadonlyArray<Buffer>; readonly frames: number } => {
  const analysis = analyzeMjpeg(readFileSync(sample), { fileName: sample })
  const frames = analysis.rfc2435Frames ?? []
  const datagrams: Array<Buffer> = []
  let seq = 0
  frames.forEach((frame, index) => {
    const payloads = Either.getOrThrow(packetizeRfc2435(frame, { mtu: 1400 }))
    payloads.forEach((payload, i) => {
      datagrams.push(encodeRtpPacket({
        header: { marker: i === payloads.length - 1, payloadType: JPEG_PAYLOAD_TYPE, sequenceNumber: seq++ & 0xffff, timestamp: frameRtpTimestamp(0, index, analysis.fps), ssrc: 0x1234, csrcs: [] },
        payload: Buffer.from(payload),
        paddingLength: 0
      }))
    })
  })
  return { datagrams, frames: frames.length }
}

const receiveCase = (sample: string): void => {
  const { datagrams, frames } = sampleDatagrams(sample)
  const runs: Array<number> = []
  for (let r = 0; r < RUNS; r++) {
    let packets = 0
    const start = performance.now()
    let elapsed = 0
    do {
      // A fresh receiver per pass: its statistics grow with the frames it saw, as a session's do.
      const receiver = makeMjpegReceiver({ dialect: "standard", expectedFps: 20 })
      let rebuilt = 0
      for (let i = 0; i < datagrams.length; i++) rebuilt += receiver.onRtp(datagrams[i]!, i * 0.1).length
      if (rebuilt !== frames) throw new Error(`receiver rebuilt ${rebuilt} of ${frames} frames`)
      packets += datagrams.length
      elapsed = performance.now() - start
    } while (elapsed < MIN_RUN_MS)
    runs.push(packets / (elapsed / 1000))
  }
  const packetsPerSec = median(runs)
  console.log(JSON.stringify({
    case: "harness.receive",
    sample,
    runs: RUNS,
    packetsPerSec: Math.round(packetsPerSec),
    usPerPacket: round(1e6 / packetsPerSec, 2),
    sessionsAt20fpsPerCore: Math.round(packetsPerSec / PACKETS_PER_SESSION_AT_20FPS(frames, datagrams.length)),
    node: process.version
  }))
}

const loadCase = async (sample: string, sessions: number, seconds: number): Promise<void> => {
  const server = await spawnServer({ media: dirname(resolve(sample)), loop: true, maxSessions: sessions + 10 })
  try {
    const scenario: Scenario = {
      name: "bench",
      url: `rtsp://127.0.0.1:${server.port}/${basename(sample)}`,
      transport: "udp",
      dialect: "standard",
      clients: sessions,
      rampUp: Math.min(5000, sessions * 20),
      steps: [{ step: "describe" }, { step: "setup" }, { step: "play" }, { step: "wait", duration: seconds * 1000 }, { step: "teardown" }]
    }
    const cpu0 = process.cpuUsage()
    const server0 = server.cpuTicks()
    const t0 = performance.now()
    // Steady state: CPU and packets between the ticks once every client plays and before any stops.
    const ticks: Array<{ readonly cpuUs: number; readonly systemUs: number; readonly packets: number; readonly ms: number }> = []
    const onProgress = (s: LiveStatus) =>
      Effect.sync(() => {
        // Every client started, and each one is playing or has failed (a 453 from a busy server).
        if (s.started < sessions || s.playing + s.failed < sessions || s.playing === 0) return
        const cpu = process.cpuUsage(cpu0)
        ticks.push({ cpuUs: cpu.user + cpu.system, systemUs: cpu.system, packets: s.packetsReceived, ms: performance.now() })
      })
    const result = await Effect.runPromise(runScenario(scenario, { timeoutMs: 10_000, onProgress, progressEveryMs: 1000 }))
    const wallS = (performance.now() - t0) / 1000
    const cpu = process.cpuUsage(cpu0)
    const server1 = server.cpuTicks()
    const harnessCpuS = (cpu.user + cpu.system) / 1e6
    const serverCpuS = (server1.user + server1.system - server0.user - server0.system) / clockTicksPerSecond
    const a = result.aggregate
    const packetsPerSec = a.packetsReceived / wallS
    const usPerPacket = (harnessCpuS * 1e6) / Math.max(1, a.packetsReceived)
    const first = ticks[0]
    const last = ticks[ticks.length - 1]
    const steady = first !== undefined && last !== undefined && last.packets > first.packets
      ? {
        steadySeconds: round((last.ms - first.ms) / 1000, 1),
        steadyPacketsPerSec: Math.round(((last.packets - first.packets) * 1000) / (last.ms - first.ms)),
        steadyUsPerPacket: round((last.cpuUs - first.cpuUs) / (last.packets - first.packets), 2),
        steadySystemUsPerPacket: round((last.systemUs - first.systemUs) / (last.packets - first.packets), 2),
        steadyCpuPctOfCore: round(((last.cpuUs - first.cpuUs) / 1000 / (last.ms - first.ms)) * 100)
      }
      : { steady: "no window with every client playing or failed" }
    console.log(JSON.stringify({
      case: "harness.load",
      sessions,
      clientsOk: a.clientsOk,
      clientsFailed: a.clientsFailed,
      failureReasons: a.failureReasons,
      seconds: round(wallS, 1),
      packetsReceived: a.packetsReceived,
      packetsPerSec: Math.round(packetsPerSec),
      lossPct: round(a.lossPct, 4),
      fpsMean: a.fps === undefined ? null : round(a.fps.mean, 2),
      fpsMin: a.fps === undefined ? null : round(a.fps.min, 2),
      jitterMsMax: a.jitterMs === undefined ? null : round(a.jitterMs.max, 2),
      startupMsP50: a.startupMs === undefined ? null : round(a.startupMs.p50, 1),
      harnessCpuPctOfCore: round((harnessCpuS / wallS) * 100),
      harnessUsPerPacket: round(usPerPacket, 2),
      ...steady,
      serverCpuPctOfCore: round((serverCpuS / wallS) * 100),
      node: process.version
    }))
  } finally {
    await server.stop()
  }
}

export const runHarnessCases = async (sample: string): Promise<void> => {
  receiveCase(sample)
  const sessions = Number(process.env.BENCH_HARNESS_SESSIONS ?? "200")
  const seconds = Number(process.env.BENCH_WINDOW_SECONDS ?? "10")
  if (!Number.isInteger(sessions) || sessions <= 0) return
  try {
    await loadCase(sample, sessions, Number.isFinite(seconds) && seconds > 0 ? seconds : 10)
  } catch (error) {
    process.exitCode = 1
    console.log(JSON.stringify({ case: "harness.load", sessions, error: messageOf(error) }))
  }
}
