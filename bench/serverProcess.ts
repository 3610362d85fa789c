/**
 * The RTSP server in a process of its own, for the load benchmark
 * (bench/serverLoad.ts), so that its CPU and memory can be read from /proc:
 *
 *   node dist/bench/serverProcess.js [--media DIR] [--loop] [--max-sessions N] [--host H] [--udp-batching off] [--publish] [--live PATH]...
 *
 * It listens with free ports (RTSP and the RTP/RTCP pair), prints ONE JSON
 * line on stdout once it listens ({"ready":true,"pid","port","rtpPort","rtcpPort"}),
 * logs warnings and worse on stderr, and runs until SIGTERM/SIGINT (every
 * finalizer runs, as under `effect-rtsp serve`) or until its stdin ends,
 * which happens when the bench that spawned it dies. A line "stats <id>" on
 * stdin is answered with one JSON line {"id": <id>, "stats": ServerSelfStats}:
 * what the server counted and how late its event loop ran since the previous
 * request. "stats <id> gc" first runs a full garbage collection when node
 * runs with --expose-gc, so that heapUsed is the live heap.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer } from "effect"
import { monitorEventLoopDelay, performance } from "node:perf_hooks"
import { defaultServerConfig, type ServerConfig } from "../src/server/config.js"
import { loggerLayer } from "../src/server/logging.js"
import * as Metrics from "../src/server/Metrics.js"
import { describeSendPath, RtspServer, layer as serverLayer } from "../src/server/RtspServer.js"

/** The one line the bench waits for. */
export interface ServerReadyLine {
  readonly ready: true
  readonly pid: number
  readonly port: number
  readonly rtpPort: number
  readonly rtcpPort: number
  readonly udpSendPath: string
}

const argValue = (args: ReadonlyArray<string>, flag: string): string | undefined => {
  const at = args.indexOf(flag)
  return at >= 0 ? args[at + 1] : undefined
}

/** Every value of a repeatable flag, in order. */
const argValues = (args: ReadonlyArray<string>, flag: string): ReadonlyArray<string> =>
  args.flatMap((arg, at) => (arg === flag && args[at + 1] !== undefined ? [args[at + 1]!] : []))

const positiveInt = (text: string | undefined, fallback: number): number => {
  const n = text === undefined ? Number.NaN : Number(text)
  return Number.isInteger(n) && n > 0 ? n : fallback
}

/** The metrics the bench reads, as the server's own snapshot has them. */
type CountedByServer = Pick<
  Metrics.MetricsSnapshot,
  "sessionsByState" | "connections" | "framesSent" | "packetsSent" | "framesDropped" | "sessionsEnded" | "responses" | "multicast"
>

/** The server's own view, for the bench (the figures it cannot see from /proc). */
export interface ServerSelfStats extends CountedByServer {
  readonly sessions: number
  /** Event-loop delay since the previous "stats" (timer lateness: how late a frame due now would go out). */
  readonly loopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number }
  /** Share of the time since the previous "stats" the event loop spent running callbacks (0..1). */
  readonly loopUtilization: number
  readonly heapUsedMiB: number
  /** Whether a full collection ran just before (then heapUsedMiB is the live heap). */
  readonly afterGc: boolean
  readonly rssMiB: number
}

const args = process.argv.slice(2)
const config: ServerConfig = {
  ...defaultServerConfig,
  host: argValue(args, "--host") ?? "127.0.0.1",
  port: 0,
  rtpPort: 0,
  mediaRoot: argValue(args, "--media") ?? "video",
  loop: args.includes("--loop"),
  maxSessions: positiveInt(argValue(args, "--max-sessions"), defaultServerConfig.maxSessions),
  maxConnections: positiveInt(argValue(args, "--max-sessions"), defaultServerConfig.maxConnections),
  udpBatching: argValue(args, "--udp-batching") !== "off",
  publish: args.includes("--publish"),
  live: argValues(args, "--live")
}

const toMs = (nanos: number): number => Math.round(nanos / 1e4) / 100

const announce = Layer.effectDiscard(Effect.gen(function* () {
  const info = yield* RtspServer
  const metrics = yield* Metrics.Metrics
  const loopDelay = monitorEventLoopDelay({ resolution: 10 })
  loopDelay.enable()
  let eluMark = performance.eventLoopUtilization()
  let pending = ""
  process.stdin.setEncoding("utf8")
  process.stdin.on("data", (text: string) => {
    pending += text
    const lines = pending.split("\n")
    pending = lines.pop() ?? ""
    for (const line of lines) {
      const [command, id, option] = line.trim().split(/\s+/)
      if (command !== "stats" || id === undefined) continue
      const gc = (globalThis as { gc?: () => void }).gc
      const afterGc = option === "gc" && gc !== undefined
      if (afterGc) gc()
      const snap = metrics.snapshot()
      const memory = process.memoryUsage()
      const stats: ServerSelfStats = {
        sessions: info.sessions().length,
        sessionsByState: snap.sessionsByState,
        connections: snap.connections,
        framesSent: snap.framesSent,
        packetsSent: snap.packetsSent,
        framesDropped: snap.framesDropped,
        sessionsEnded: snap.sessionsEnded,
        responses: snap.responses,
        ...(snap.multicast === undefined ? {} : { multicast: snap.multicast }),
        loopDelayMs: { p50: toMs(loopDelay.percentile(50)), p99: toMs(loopDelay.percentile(99)), max: toMs(loopDelay.max) },
        loopUtilization: Math.round(performance.eventLoopUtilization(eluMark).utilization * 1000) / 1000,
        heapUsedMiB: Math.round(memory.heapUsed / 104857.6) / 10,
        afterGc,
        rssMiB: Math.round(memory.rss / 104857.6) / 10
      }
      loopDelay.reset()
      eluMark = performance.eventLoopUtilization()
      process.stdout.write(JSON.stringify({ id, stats }) + "\n")
    }
  })
  const line: ServerReadyLine = { ready: true, pid: process.pid, port: info.port, rtpPort: info.rtpPort, rtcpPort: info.rtcpPort, udpSendPath: describeSendPath(info.udpSendPath()) }
  yield* Effect.sync(() => process.stdout.write(JSON.stringify(line) + "\n"))
}))

// The bench keeps our stdin open; when it ends (the bench exited or crashed) we shut down like on SIGTERM.
process.stdin.on("end", () => process.kill(process.pid, "SIGTERM"))
process.stdin.resume()

Layer.launch(announce.pipe(Layer.provide(serverLayer(config)), Layer.provide(Metrics.layer))).pipe(
  Effect.provide(loggerLayer({ level: "warning", format: "pretty" })),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain
)
