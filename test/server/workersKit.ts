/**
 * For the `serve --workers` tests: the built CLI as a cluster on 127.0.0.1 (every port 0, JSON
 * logs), UDP sinks that keep each datagram's source port (which worker sent it), playing
 * sessions through the harness client, and readers for /metrics and /healthz. Every wait is bounded.
 */
import { spawn } from "node:child_process"
import { createSocket, type Socket } from "node:dgram"
import { Effect, Either, type Scope } from "effect"
import { connect, type RtspConnection } from "../../harness/client/RtspClient.js"
import { decodeRtcpCompound, type RtcpPacket } from "../../src/protocol/rtcp.js"
import type { ClusterHealth } from "../../src/server/workers/clusterReadings.js"
import { readUntil, waitUntil } from "../support/polling.js"

export interface LogLine {
  readonly message: string
  readonly logLevel: string
}

export interface ProcessExit {
  readonly code: number | null
  readonly signal: string | null
}

export interface ClusterProcess {
  readonly port: number
  readonly httpBase: string
  readonly lines: () => ReadonlyArray<LogLine>
  readonly exit: Promise<ProcessExit>
  readonly kill: (signal: NodeJS.Signals) => void
}

const STARTUP_TIMEOUT_MS = 30_000

const parseLine = (text: string): LogLine => {
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed === "object" && parsed !== null && "message" in parsed && "logLevel" in parsed) {
      return { message: String(parsed.message), logLevel: String(parsed.logLevel) }
    }
  } catch {
    // Not a log object (a worker's last words on stderr): kept as it is.
  }
  return { message: text, logLevel: "RAW" }
}

/** The primary's lines start with these; a worker's start with "worker i: ". */
const READY = /^RTSP server listening on [^:]+:(\d+), /
const HTTP = /^metrics on (http:\/\/[^/]+)\/metrics/

const spawnCluster = (workers: number): Promise<ClusterProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["dist/src/cli/bin.js", "serve", "--workers", String(workers), "--host", "127.0.0.1", "--port", "0", "--rtp-port", "0", "--http-port", "0", "--log-format", "json"],
      { stdio: ["ignore", "ignore", "pipe"] }
    )
    const lines: Array<LogLine> = []
    const exit = new Promise<ProcessExit>((res) => child.on("exit", (code, signal) => res({ code, signal })))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`the cluster did not report ready within ${STARTUP_TIMEOUT_MS} ms:\n${lines.map((l) => l.message).join("\n")}`))
    }, STARTUP_TIMEOUT_MS)
    let pending = ""
    let port: number | undefined
    let httpBase: string | undefined
    child.stderr.on("data", (chunk: Buffer) => {
      pending += chunk.toString()
      const complete = pending.split("\n")
      pending = complete.pop() ?? ""
      for (const text of complete.filter((t) => t.trim() !== "")) {
        const line = parseLine(text)
        lines.push(line)
        port ??= Number(READY.exec(line.message)?.[1] ?? Number.NaN) || undefined
        httpBase ??= HTTP.exec(line.message)?.[1]
      }
      if (port !== undefined && httpBase !== undefined) {
        clearTimeout(timer)
        resolve({ port, httpBase, lines: () => lines, exit, kill: (signal) => void child.kill(signal) })
      }
    })
    child.on("error", reject)
    void exit.then((e) => {
      clearTimeout(timer)
      reject(new Error(`the cluster exited (${JSON.stringify(e)}) before it was ready:\n${lines.map((l) => l.message).join("\n")}`))
    })
  })

/** The cluster, SIGKILLed when the scope closes if still alive. */
export const startCluster = (workers = 2): Effect.Effect<ClusterProcess, never, Scope.Scope> =>
  Effect.acquireRelease(Effect.promise(() => spawnCluster(workers)), (cluster) => Effect.sync(() => cluster.kill("SIGKILL")))

export const waitForLine = (cluster: ClusterProcess, matches: (line: LogLine) => boolean, timeoutMs = 15_000): Effect.Effect<LogLine | undefined> =>
  Effect.map(waitUntil(() => cluster.lines().some(matches), timeoutMs), () => cluster.lines().find(matches))

// --- UDP sinks ------------------------------------------------------------------

export interface Datagram {
  readonly data: Buffer
  /** The sender's port: the worker's RTP (or RTCP) port. */
  readonly fromPort: number
}

export interface UdpSink {
  readonly port: number
  readonly socket: Socket
  readonly received: Array<Datagram>
}

export const udpSink: Effect.Effect<UdpSink, never, Scope.Scope> = Effect.acquireRelease(
  Effect.async<UdpSink>((resume) => {
    const socket = createSocket("udp4")
    const received: Array<Datagram> = []
    socket.on("message", (data, rinfo) => received.push({ data, fromPort: rinfo.port }))
    socket.bind(0, "127.0.0.1", () => resume(Effect.succeed({ port: socket.address().port, socket, received })))
  }),
  (sink) => Effect.sync(() => sink.socket.close())
)

export const rtcpPackets = (sink: UdpSink): Array<RtcpPacket> =>
  sink.received.flatMap((d) => {
    const decoded = decodeRtcpCompound(d.data)
    return Either.isRight(decoded) ? decoded.right : []
  })

/** RTP sequence numbers of the datagrams, in arrival order. */
export const sequenceNumbers = (sink: UdpSink): Array<number> => sink.received.map((d) => d.data.readUInt16BE(2))

// --- sessions -------------------------------------------------------------------

export interface PlayingSession {
  readonly connection: RtspConnection
  readonly sessionId: string
  /** The server_port pair SETUP announced (standard dialect only). */
  readonly serverPorts: readonly [number, number] | undefined
  readonly ssrc: number | undefined
  readonly rtp: UdpSink
  readonly rtcp: UdpSink
}

/** A session over UDP, playing; standard by default, or the classic lab client's dialect. */
export const playUdp = (port: number, dialect: "standard" | "classic" = "standard") =>
  Effect.gen(function*() {
    const url = `rtsp://127.0.0.1:${port}/movie.Mjpeg`
    const rtp = yield* udpSink
    const rtcp = yield* udpSink
    const connection = yield* connect(url, dialect === "classic" ? { dialect } : {})
    const setup = yield* connection.setupUdp(dialect === "classic" ? url : `${url}/streamid=0`, rtp.port, rtcp.port)
    yield* connection.play(url)
    return { connection, sessionId: setup.sessionId, serverPorts: setup.serverPorts, ssrc: setup.ssrc, rtp, rtcp } satisfies PlayingSession
  })

// --- the HTTP endpoint ----------------------------------------------------------

export const healthOf = (cluster: ClusterProcess): Effect.Effect<ClusterHealth> =>
  Effect.promise(async () => (await (await fetch(`${cluster.httpBase}/healthz`)).json()) as ClusterHealth)

export const metricsOf = (cluster: ClusterProcess): Effect.Effect<string> =>
  Effect.promise(async () => (await fetch(`${cluster.httpBase}/metrics`)).text())

/** Scrapes /metrics until `holds` (every `everyMs`, at most `timeoutMs`); the last scrape either way. */
export const scrapeUntil = (cluster: ClusterProcess, holds: (exposition: string) => boolean, timeoutMs = 5000, everyMs = 50) =>
  readUntil(metricsOf(cluster), holds, timeoutMs, everyMs)

/** Reads /healthz until `holds` (bounded like scrapeUntil); the last answer either way. */
export const healthUntil = (cluster: ClusterProcess, holds: (health: ClusterHealth) => boolean, timeoutMs = 5000, everyMs = 50) =>
  readUntil(healthOf(cluster), holds, timeoutMs, everyMs)

/** The value of the sample `series` (name and labels exactly as exposed), undefined when absent. */
export const sampleValue = (exposition: string, series: string): number | undefined => {
  const line = exposition.split("\n").find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

/** The worker whose RTP port a datagram came from (or a SETUP announced). */
export const workerOwning = (health: ClusterHealth, rtpPort: number): number | undefined =>
  health.workers.find((w) => w.rtpPort === rtpPort)?.worker
