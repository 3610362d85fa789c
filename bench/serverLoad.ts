/**
 * The server load cases of `npm run bench`, one JSON line each:
 *
 * - `server.sessions` (one per N in BENCH_SESSIONS, default "1,200,500,1000", each with
 *   --udp-batching on and off (BENCH_UDP_BATCHING, default "on,off")):
 *   a fresh server process looping the sample, N concurrent UDP sessions
 *   from the load client, measured over a window of steady state
 *   (BENCH_WINDOW_SECONDS, default 10) once every session is set up (or
 *   given up: a ramp that outlasts SETUP_DEADLINE_MS stops there, and
 *   sessionsUp says how many made it).
 *   The load client reads its RTP sockets with recvmmsg + UDP_GRO (BENCH_CLIENT_RECEIVE=batched,
 *   the default; "plain" for one node:dgram event per datagram); clientReceivePath says which.
 * - `server.sessions` again, batching on, under a plain-receive client (one per N in
 *   BENCH_PLAIN_CLIENT_SESSIONS, default "500"): on loopback a GRO receiver takes a GSO
 *   message whole, so a plain receiver shows what the server pays when the kernel segments.
 * - `server.sessions` with `workers` (BENCH_WORKERS, default "1,2", at each N in
 *   BENCH_WORKERS_SESSIONS, default "500"): `effect-rtsp serve --workers N`, the CLI, with the
 *   CPU and RSS of the primary and its workers together (no server-side stats: no heap figures).
 * - `server.sessions` with `server: "gstreamer"` (one per N in BENCH_PEER_SESSIONS, default
 *   "200,500"): GStreamer's RTSP server looping the sample under the same load client, with
 *   cpuRatioOursToPeer = our CPU (batching on, same N, this run) / its CPU. Skipped, with a line
 *   saying so, where it is not installed.
 * - `server.multicast` (one per N in BENCH_MULTICAST_SESSIONS, default "1,1000"; "" for none):
 *   N multicast viewers of the sample served as a live channel, and one receiver joined to the
 *   group, all in a network namespace of their own (bench/multicastNamespace.ts; the line says
 *   skipped where none can be made). The server sends the group stream once however many
 *   watch, so cpuRatioToOneViewer (CPU at N / CPU at 1, this run) should stay near 1;
 *   unicastCpuPctOfOneCore is this run's server.sessions figure at N (batching on), if run.
 * - `server.impaired` (one per N in BENCH_IMPAIRED_SESSIONS, default "500"; "" for none): our
 *   server (batching on) with every session asking for the profile BENCH_IMPAIR (default
 *   lossy-wifi: loss, bursts, jitter, duplicates, so every packet goes through the delay queue)
 *   in its URL's query. usPerPacketRatioToClean = its serverUsPerPacket / this run's
 *   server.sessions figure at N (batching on, unimpaired), if run. Loss here is the profile's.
 * - `server.playback` (skip with BENCH_PLAYBACK=0): one session plays the
 *   whole file once; playSeconds = last frame arrival - first + 1/fps.
 *
 * The server runs in its own process (bench/serverProcess.ts) so that its
 * CPU and RSS come from /proc; the client runs here. This machine may have
 * only 2 cores for both, so each line also says what the client itself
 * cost and notes when either side ran out of CPU.
 * BENCH_SERVER_PROFILE=<dir> runs the server under `node --cpu-prof` and
 * names the profile in the line (summarise with dist/bench/serverProfile.js).
 */
import { readFileSync } from "node:fs"
import { cpus } from "node:os"
import { basename, dirname, resolve } from "node:path"
import { monitorEventLoopDelay, performance } from "node:perf_hooks"
import { type LoadClient, startLoad, type WindowResult } from "./serverLoadClient.js"
import { type ServerUnderTest, startGstreamer, startOurCluster, startOurServer } from "./contenders.js"
import { gstreamerAvailable } from "./gstRtspPeer.js"
import { type BenchPublisher, type LatencyViewer, startBenchPublisher, startLatencyViewer } from "./benchPublisher.js"
import { clockTicksPerSecond, spawnServer } from "./serverSpawn.js"
import type { ServerSelfStats } from "./serverProcess.js"
import { minOf, percentile, readHostCpuTicks, readUdpCounters, round, sleep } from "./serverStats.js"
import { messageOf } from "../src/common/errorText.js"
import { impairmentQueryOf } from "../src/impair/profileParse.js"
import { namespaceUnavailable, runMulticastCase } from "./multicastNamespace.js"
import { RECV_BUFFER_BYTES, REQUEST_TIMEOUT_MS, RSS_SAMPLE_MS, SETTLE_MS, SETUP_CONCURRENCY, SETUP_DEADLINE_MS, TEARDOWN_TIMEOUT_MS } from "./loadLimits.js"

export interface ServerBenchOptions {
  /** The sample file; the server serves its folder. */
  readonly sample: string
  readonly frameCount: number
  readonly fps: number
}

const IDLE_SETTLE_MS = 500
/** After teardown, how long the server may take to close every connection before the heap baseline is taken anyway. */
const DRAIN_LIMIT_MS = 3000
/** Below this many sessions, memory growth per session is lost in the heap's own fluctuation. */
const MIN_SESSIONS_FOR_MEMORY = 50
/** Above this share of one core the client (or the machine) is the limit, not the server. */
const SATURATED_PCT = 90

const sessionCounts = (): ReadonlyArray<number> => integers(process.env.BENCH_SESSIONS ?? "1,200,500,1000")

const integers = (text: string): ReadonlyArray<number> =>
  text.split(",").map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0)

/** BENCH_WORKERS (default "1,2") × BENCH_WORKERS_SESSIONS (default "500"; "" for none): `serve --workers N` cases. */
const workerCounts = (): ReadonlyArray<number> => integers(process.env.BENCH_WORKERS ?? "1,2")
const workerSessionCounts = (): ReadonlyArray<number> => integers(process.env.BENCH_WORKERS_SESSIONS ?? "500")

/**
 * BENCH_CLIENT_RECEIVE: "batched" (the default) reads the load client's RTP sockets with
 * recvmmsg + UDP_GRO where the addon is built; "plain" with one node:dgram event per datagram.
 * On loopback a GRO socket takes a GSO sender's frame whole, so the server's kernel no longer
 * segments it; with "plain" the server pays that segmentation, as it would on a NIC without
 * UDP segmentation offload.
 */
const clientBatchedReceive = (): boolean => process.env.BENCH_CLIENT_RECEIVE !== "plain"

/** BENCH_PLAIN_CLIENT_SESSIONS (default "500"; "" for none): our server, batching on, again under a plain-receive client. */
const plainClientSessionCounts = (): ReadonlyArray<number> =>
  clientBatchedReceive() ? integers(process.env.BENCH_PLAIN_CLIENT_SESSIONS ?? "500") : []

/** BENCH_PEER_SESSIONS (default "200,500"; "" for none): session counts GStreamer's RTSP server is run at. */
const peerSessionCounts = (): ReadonlyArray<number> => integers(process.env.BENCH_PEER_SESSIONS ?? "200,500")

const windowSeconds = (): number => {
  const n = Number(process.env.BENCH_WINDOW_SECONDS ?? "10")
  return Number.isFinite(n) && n > 0 ? n : 10
}

const profileFor = (name: string) => {
  const dir = process.env.BENCH_SERVER_PROFILE
  return dir ? { dir: resolve(dir), name } : undefined
}

const udpCounters = () => readUdpCounters(readFileSync("/proc/net/snmp", "utf8"))
const hostCpu = () => readHostCpuTicks(readFileSync("/proc/stat", "utf8"))

const rmemMax = (): number => {
  try {
    return Number(readFileSync("/proc/sys/net/core/rmem_max", "utf8").trim())
  } catch {
    return Number.NaN
  }
}

const print = (line: Record<string, unknown>): void => {
  console.log(JSON.stringify({ ...line, node: process.version }))
}

/** Stops the server even when the case failed half-way; never throws. */
const stopQuietly = async (server: Pick<ServerUnderTest, "stop">): Promise<number | null> => {
  try {
    return await server.stop()
  } catch {
    return null
  }
}

/**
 * A session's frame rate in the window: frames - 1 intervals over the time
 * from its first to its last frame. The span is taken as at least the window
 * less two frame intervals, so a session that stalls before the window ends
 * (or starts late) shows a lower rate instead of hiding it; counting frames in
 * a fixed window would instead be off by one frame in 200 (0.5 %) from phase alone.
 */
const sessionFps = (frames: number, spanMs: number, windowMs: number, nominalIntervalMs: number): number =>
  frames < 2 ? (frames * 1000) / windowMs : ((frames - 1) * 1000) / Math.max(spanMs, windowMs - 2 * nominalIntervalMs)

interface Measured {
  readonly sessions: number
  readonly window: WindowResult
  readonly sessionsUp: number
  readonly setupErrors: ReadonlyArray<string>
  readonly firstPacketMs: ReadonlyArray<number>
  readonly setupSeconds: number
  readonly serverCpuTicks: number
  readonly serverSystemTicks: number
  readonly clientCpuMicros: number
  readonly clientLoopDelayP99Ms: number
  readonly idleRssKiB: number
  readonly rssSamplesKiB: ReadonlyArray<number>
  readonly udpRcvbufErrors: number
  readonly recvBufferBytes: number
  readonly receivePath: string
  readonly rtcpDatagrams: number
  /** Busy ticks of the whole host in the window (all cores). */
  readonly hostBusyTicks: number
  /** The server's own view of the window; undefined when it did not answer or has no stats channel. */
  readonly serverStats: ServerSelfStats | undefined
  readonly hasStatsChannel: boolean
  /** Live heap (after a full GC) at the end of the window. */
  readonly liveHeapMiB: number
}

/**
 * PLAY reply to first RTP packet, per session that is up. Both times are
 * taken in this process's event loop; when one loop turn delivers the RTP
 * datagram before the TCP reply, the difference is a few microseconds below
 * zero and is counted as 0.
 */
const firstPacketLatencies = (client: LoadClient): Array<number> =>
  client.sessions
    .filter((s) => s.error === undefined && Number.isFinite(s.playReplyAt) && Number.isFinite(s.stats.firstPacketAt))
    .map((s) => Math.max(0, s.stats.firstPacketAt - s.playReplyAt))

const setupErrorsOf = (client: LoadClient): Array<string> => {
  const counts = new Map<string, number>()
  for (const s of client.sessions) if (s.error !== undefined) counts.set(s.error, (counts.get(s.error) ?? 0) + 1)
  return [...counts].map(([message, n]) => `${n}x ${message}`)
}

interface Teardown {
  readonly ok: number
  readonly failed: number
  readonly seconds: number
  /** Live heap (after a full GC) once every session and connection is gone: the baseline for liveHeapPerSessionKiB. */
  readonly liveHeapMiB: number
}

/** Which server ran, on which send path: named right after the case, so a reader sees it first. */
type ContenderLabel =
  | { readonly server: "effect-rtsp"; readonly udpBatching: "on" | "off"; readonly udpSendPath: string | null; readonly workers?: number }
  | { readonly server: "gstreamer" }

const summarize = (options: ServerBenchOptions, m: Measured, teardown: Teardown, label: ContenderLabel): Record<string, unknown> => {
  const windowMs = m.window.seconds * 1000
  const fps = m.window.sessions.map((s) => sessionFps(s.frames, s.spanMs, windowMs, 1000 / options.fps))
  const expected = m.window.sessions.reduce((sum, s) => sum + s.expected, 0)
  const received = m.window.sessions.reduce((sum, s) => sum + s.packets, 0)
  const serverCpuPct = (m.serverCpuTicks / clockTicksPerSecond / m.window.seconds) * 100
  const clientCpuPct = (m.clientCpuMicros / 1e6 / m.window.seconds) * 100
  const hostCpuPct = (m.hostBusyTicks / clockTicksPerSecond / m.window.seconds) * 100
  const otherCpuPct = Math.max(0, hostCpuPct - serverCpuPct - clientCpuPct)
  const peakRssKiB = Math.max(...m.rssSamplesKiB)
  // Per session of those the server holds (all N when every session is up).
  const serverSessions = m.serverStats?.sessions ?? m.sessionsUp
  const cores = cpus().length
  const notes = [`${cores} cores shared by the server process and the load client`]
  if (clientCpuPct >= SATURATED_PCT) notes.push(`load client saturated (${clientCpuPct.toFixed(0)} % of a core): figures are a lower bound for the server`)
  if (otherCpuPct >= 20) notes.push(`other processes used ${otherCpuPct.toFixed(0)} % of a core during the window: figures are disturbed`)
  if (hostCpuPct >= SATURATED_PCT * cores) notes.push(`host CPU saturated (${hostCpuPct.toFixed(0)} % of ${cores * 100} %)`)
  if (m.sessionsUp < m.sessions) notes.push(`${m.sessions - m.sessionsUp} sessions never started (see setupErrors); fps and loss cover the ${m.sessionsUp} that did`)
  if (serverSessions < MIN_SESSIONS_FOR_MEMORY) notes.push(`per-session memory figures are noise below ${MIN_SESSIONS_FOR_MEMORY} sessions`)
  if (m.serverStats === undefined && m.hasStatsChannel) notes.push("the server did not answer a stats request within 5 s (its event loop was starved)")
  if (m.udpRcvbufErrors > 0) notes.push(`${m.udpRcvbufErrors} datagrams dropped by full client receive buffers (host RcvbufErrors)`)
  return {
    case: "server.sessions",
    ...label,
    sample: options.sample,
    sessions: m.sessions,
    sessionsUp: m.sessionsUp,
    fpsMedian: round(percentile(fps, 50), 2),
    fpsMin: round(minOf(fps), 2),
    packetLossPct: round(expected === 0 ? Number.NaN : ((expected - received) / expected) * 100, 3),
    serverCpuPctOfOneCore: round(serverCpuPct, 1),
    serverCpuSystemPct: round((m.serverSystemTicks / clockTicksPerSecond / m.window.seconds) * 100, 1),
    serverRssMiB: round(peakRssKiB / 1024, 1),
    serverIdleRssMiB: round(m.idleRssKiB / 1024, 1),
    rssPerSessionKiB: round((peakRssKiB - m.idleRssKiB) / serverSessions, 1),
    firstPacketMsP50: round(percentile(m.firstPacketMs, 50), 2),
    firstPacketMsP99: round(percentile(m.firstPacketMs, 99), 2),
    // RFC 3550 jitter per session at the end of the window (arrival times from the kernel on the batched path).
    jitterMsMean: round(m.window.sessions.reduce((sum, s) => sum + s.jitterMs, 0) / Math.max(1, m.window.sessions.length), 3),
    jitterMsMax: round(Math.max(0, ...m.window.sessions.map((s) => s.jitterMs)), 3),
    interFrameMsP99: round(percentile(m.window.frameIntervalsMs, 99), 2),
    interFrameMsMax: round(percentile(m.window.frameIntervalsMs, 100), 2),
    windowSeconds: round(m.window.seconds, 2),
    packetsPerSec: Math.round(received / m.window.seconds),
    // CPU time per RTP packet the clients received in the window (≈ sent: loss is reported beside it).
    serverUsPerPacket: received > 0 ? round((serverCpuPct / 100) * 1e6 / (received / m.window.seconds), 2) : null,
    clientUsPerPacket: received > 0 ? round((clientCpuPct / 100) * 1e6 / (received / m.window.seconds), 2) : null,
    packetsLost: expected - received,
    clientCpuPctOfOneCore: round(clientCpuPct, 1),
    hostCpuPctOfOneCore: round(hostCpuPct, 1),
    otherCpuPctOfOneCore: round(otherCpuPct, 1),
    serverSessions,
    serverLoopUtilization: m.serverStats?.loopUtilization ?? null,
    serverLoopDelayMsP99: m.serverStats?.loopDelayMs.p99 ?? null,
    serverLoopDelayMsMax: m.serverStats?.loopDelayMs.max ?? null,
    serverFramesDropped: m.serverStats?.framesDropped ?? null,
    serverHeapUsedMiB: m.serverStats?.heapUsedMiB ?? null,
    serverLiveHeapMiB: round(m.liveHeapMiB, 1),
    liveHeapPerSessionKiB: round(((m.liveHeapMiB - teardown.liveHeapMiB) * 1024) / serverSessions, 1),
    clientLoopDelayMsP99: round(m.clientLoopDelayP99Ms, 1),
    clientRecvBufferBytes: m.recvBufferBytes,
    clientReceivePath: m.receivePath,
    udpRcvbufErrors: m.udpRcvbufErrors,
    rtcpDatagrams: m.rtcpDatagrams,
    setupSeconds: round(m.setupSeconds, 2),
    teardownOk: teardown.ok,
    teardownFailed: teardown.failed,
    teardownSeconds: round(teardown.seconds, 2),
    ...(m.setupErrors.length > 0 ? { setupErrors: m.setupErrors.slice(0, 5) } : {}),
    note: notes.join("; ")
  }
}

/** Waits (bounded) until the server holds no session and no connection, so that a heap baseline taken next is clean. */
const waitForServerEmpty = async (stats: NonNullable<ServerUnderTest["stats"]>, limitMs: number): Promise<void> => {
  const start = performance.now()
  while (performance.now() - start < limitMs) {
    const now = await stats().catch(() => undefined)
    if (now !== undefined && now.sessions === 0 && now.connections === 0) return
    await sleep(100)
  }
}

/** BENCH_UDP_BATCHING="on,off" (the default) runs every session count on both send paths. */
const batchingModes = (): ReadonlyArray<boolean> =>
  (process.env.BENCH_UDP_BATCHING ?? "on,off").split(",").map((s) => s.trim()).filter((s) => s === "on" || s === "off").map((s) => s === "on")

/** The live heap after a full collection, from the server's own stats; NaN where it has none. */
const liveHeapOf = (server: ServerUnderTest): Promise<number> =>
  server.stats === undefined ? Promise.resolve(Number.NaN) : server.stats({ gc: true, timeoutMs: 10_000 }).then((st) => st.heapUsedMiB, () => Number.NaN)

/** One load case against a started server; prints its line and returns it. The server is stopped in every case. */
/** Told when the measured window opens and closes (a case that measures something beside the load). */
interface WindowWatcher {
  readonly opened: () => void
  readonly closed: () => void
}

const sessionsCase = async (options: ServerBenchOptions, sessions: number, seconds: number, server: ServerUnderTest, label: ContenderLabel, batchedReceive = clientBatchedReceive(), watcher?: WindowWatcher): Promise<Record<string, unknown>> => {
  const caseStart = performance.now()
  let client: LoadClient | undefined
  try {
    await sleep(IDLE_SETTLE_MS)
    // No forced GC before the window: the window measures the server's heap as it runs; the live-heap baseline comes after teardown.
    const idleRssKiB = server.rssKiB()
    const setupStart = performance.now()
    client = await startLoad({
      host: "127.0.0.1",
      port: server.port,
      mediaPath: server.mediaPath,
      sessions,
      concurrency: SETUP_CONCURRENCY,
      recvBufferBytes: RECV_BUFFER_BYTES,
      batchedReceive,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      setupDeadlineMs: SETUP_DEADLINE_MS,
      teardownTimeoutMs: TEARDOWN_TIMEOUT_MS
    })
    const setupSeconds = (performance.now() - setupStart) / 1000
    await sleep(SETTLE_MS)

    await server.stats?.().catch(() => undefined) // resets the server's loop-delay histogram
    const udp0 = udpCounters()
    const host0 = hostCpu()
    const cpu0 = server.cpuTicks()
    const clientCpu0 = process.cpuUsage()
    const loopDelay = monitorEventLoopDelay({ resolution: 10 })
    loopDelay.enable()
    const rssSamplesKiB: Array<number> = [server.rssKiB()]
    const rssTimer = setInterval(() => rssSamplesKiB.push(server.rssKiB()), RSS_SAMPLE_MS)
    client.startWindow()
    watcher?.opened()
    await sleep(seconds * 1000)
    const window = client.endWindow()
    watcher?.closed()
    clearInterval(rssTimer)
    rssSamplesKiB.push(server.rssKiB())
    loopDelay.disable()
    const clientCpu = process.cpuUsage(clientCpu0)
    const cpu1 = server.cpuTicks()
    const hostBusyTicks = hostCpu().busy - host0.busy
    const serverStats = await server.stats?.().catch(() => undefined)
    // After the window, so the pause of a full collection disturbs nothing measured.
    const liveHeapMiB = await liveHeapOf(server)
    const measured: Measured = {
      sessions,
      window,
      sessionsUp: client.sessionsUp(),
      setupErrors: setupErrorsOf(client),
      firstPacketMs: firstPacketLatencies(client),
      setupSeconds,
      serverCpuTicks: cpu1.user + cpu1.system - cpu0.user - cpu0.system,
      serverSystemTicks: cpu1.system - cpu0.system,
      hostBusyTicks,
      serverStats,
      hasStatsChannel: server.stats !== undefined,
      liveHeapMiB,
      clientCpuMicros: clientCpu.user + clientCpu.system,
      clientLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      idleRssKiB,
      rssSamplesKiB,
      udpRcvbufErrors: (udpCounters().RcvbufErrors ?? 0) - (udp0.RcvbufErrors ?? 0),
      recvBufferBytes: client.recvBufferBytes,
      receivePath: client.receivePath,
      rtcpDatagrams: client.rtcpDatagrams()
    }

    const teardownStart = performance.now()
    const torn = await client.teardown()
    client = undefined
    const teardownSeconds = (performance.now() - teardownStart) / 1000
    if (server.stats !== undefined) await waitForServerEmpty(server.stats, DRAIN_LIMIT_MS)
    const teardown: Teardown = { ...torn, seconds: teardownSeconds, liveHeapMiB: await liveHeapOf(server) }
    const exitCode = await stopQuietly(server)
    const line = {
      ...summarize(options, measured, teardown, label),
      caseSeconds: round((performance.now() - caseStart) / 1000, 1),
      ...(exitCode !== 0 ? { serverExitCode: exitCode, serverStderr: server.stderrTail().slice(-500) } : {})
    }
    return line
  } finally {
    if (client) await client.teardown().catch(() => undefined)
    await stopQuietly(server)
  }
}

const ourSessionsCase = async (options: ServerBenchOptions, sessions: number, seconds: number, udpBatching: boolean, batchedReceive = clientBatchedReceive()): Promise<Record<string, unknown>> => {
  const profile = profileFor(`server-sessions-${sessions}-batching-${udpBatching ? "on" : "off"}${batchedReceive ? "" : "-plain-client"}`)
  const server = await startOurServer({ sample: options.sample, maxSessions: Math.max(2000, sessions + 16), udpBatching, cpuProfile: profile })
  const line = await sessionsCase(options, sessions, seconds, server, { server: "effect-rtsp", udpBatching: udpBatching ? "on" : "off", udpSendPath: server.udpSendPath }, batchedReceive)
  const printed = { ...line, ...(profile ? { cpuProfile: `${profile.dir}/${profile.name}.cpuprofile` } : {}) }
  print(printed)
  return printed
}

/** `serve --workers N` (the CLI; CPU and RSS of the primary and its workers together). */
const clusterSessionsCase = async (options: ServerBenchOptions, sessions: number, seconds: number, workers: number): Promise<void> => {
  const server = await startOurCluster({ sample: options.sample, workers, maxSessions: Math.max(2000, sessions + 16) })
  print(await sessionsCase(options, sessions, seconds, server, { server: "effect-rtsp", udpBatching: "on", udpSendPath: server.udpSendPath, workers }))
}

/**
 * GStreamer's RTSP server under the same load client, with our CPU over its CPU at the same
 * session count in this run (ours with batching on; below 1 means we used less).
 */
const gstreamerSessionsCase = async (options: ServerBenchOptions, sessions: number, seconds: number, ours: Record<string, unknown> | undefined): Promise<void> => {
  const line = await sessionsCase(options, sessions, seconds, await startGstreamer(), { server: "gstreamer" })
  const ourCpu = ours?.serverCpuPctOfOneCore
  const theirCpu = line.serverCpuPctOfOneCore
  const ratio = typeof ourCpu === "number" && typeof theirCpu === "number" && theirCpu > 0 ? round(ourCpu / theirCpu, 2) : null
  print({ ...line, ourCpuPctOfOneCore: ourCpu ?? null, cpuRatioOursToPeer: ratio })
}

/** BENCH_PUBLISHED_SESSIONS (default "1,1000"; "" for none): viewers of one published path. */
const publishedSessionCounts = (): ReadonlyArray<number> => integers(process.env.BENCH_PUBLISHED_SESSIONS ?? "1,1000")

const PUBLISHED_PATH = "live/bench"

/**
 * N viewers (the load client) of one path a publisher pushes the sample to, beside N file
 * sessions of this run; and the publish → view latency of one more viewer meanwhile.
 */
const publishedSessionsCase = async (options: ServerBenchOptions, sessions: number, seconds: number, files: Record<string, unknown> | undefined): Promise<void> => {
  const server = await startOurServer({ sample: options.sample, maxSessions: Math.max(2000, sessions + 16), udpBatching: true, cpuProfile: undefined, publishedPath: PUBLISHED_PATH })
  let publisher: BenchPublisher | undefined
  let viewer: LatencyViewer | undefined
  try {
    publisher = await startBenchPublisher(server.port, PUBLISHED_PATH, options.sample, options.fps)
    await sleep(SETTLE_MS)
    viewer = await startLatencyViewer(server.port, PUBLISHED_PATH, publisher)
    // Latency counts in the measured window only: not during the SETUP storm or the teardown.
    const latencyViewer = viewer
    const line = await sessionsCase(options, sessions, seconds, server, { server: "effect-rtsp", udpBatching: "on", udpSendPath: server.udpSendPath }, clientBatchedReceive(), {
      opened: () => latencyViewer.measure(true),
      closed: () => latencyViewer.measure(false)
    })
    const fileCpu = files?.serverCpuPctOfOneCore
    const cpu = line.serverCpuPctOfOneCore
    print({
      ...line,
      case: "server.published",
      source: "one published path; the publisher (TCP, the sample at its rate) and the latency viewer (UDP, plain node:dgram) run in the bench process beside the load client; latency over the window",
      latencyMsP50: round(percentile(viewer.samples, 50), 2),
      latencyMsP99: round(percentile(viewer.samples, 99), 2),
      latencyMsMax: round(percentile(viewer.samples, 100), 2),
      latencyFrames: viewer.samples.length,
      publisherFramesSent: publisher.framesSent(),
      fileSessionsCpuPctOfOneCore: fileCpu ?? null,
      cpuRatioPublishedToFile: typeof fileCpu === "number" && typeof cpu === "number" && fileCpu > 0 ? round(cpu / fileCpu, 2) : null
    })
  } finally {
    viewer?.stop()
    publisher?.stop()
    await stopQuietly(server)
  }
}

/** BENCH_MULTICAST_SESSIONS (default "1,1000"; "" for none): multicast viewers of one live channel. */
const multicastSessionCounts = (): ReadonlyArray<number> => integers(process.env.BENCH_MULTICAST_SESSIONS ?? "1,1000")

/** Server start, the setup deadline and teardown, beside the window: the case gets this much more before it is killed. */
const MULTICAST_CASE_MARGIN_MS = 90_000

/**
 * N multicast viewers (in a network namespace; see bench/multicastNamespace.ts), beside one
 * viewer's CPU (`one`, this run) and N unicast sessions' (`unicast`, this run), where measured.
 */
const multicastCase = async (options: ServerBenchOptions, sessions: number, seconds: number, one: Record<string, unknown> | undefined, unicast: Record<string, unknown> | undefined): Promise<Record<string, unknown>> => {
  const caseStart = performance.now()
  const line = await runMulticastCase(sessions, seconds, resolve(options.sample), options.fps, seconds * 1000 + MULTICAST_CASE_MARGIN_MS)
  const cpu = line.serverCpuPctOfOneCore
  const oneCpu = one?.serverCpuPctOfOneCore
  const unicastCpu = unicast?.serverCpuPctOfOneCore
  const printed = {
    ...line,
    ...(sessions > 1 ? { cpuRatioToOneViewer: typeof cpu === "number" && typeof oneCpu === "number" && oneCpu > 0 ? round(cpu / oneCpu, 2) : null } : {}),
    ...(typeof unicastCpu === "number" ? { unicastCpuPctOfOneCore: unicastCpu } : {}),
    note: [
      `${cpus().length} cores shared by the server and the viewers; one receiver counts the group stream (the members receive nothing of their own); run in a network namespace whose only interface is lo`,
      ...(typeof line.otherCpuPctOfOneCore === "number" && line.otherCpuPctOfOneCore >= 20 ? [`other processes used ${line.otherCpuPctOfOneCore} % of a core during the window: figures are disturbed`] : [])
    ].join("; "),
    caseSeconds: round((performance.now() - caseStart) / 1000, 1)
  }
  print(printed)
  return printed
}

/** Waits (bounded) until `frameCount` frames arrived or the stream has been silent for `silenceMs`. */
const waitForEnd = async (client: LoadClient, frameCount: number, silenceMs: number, limitMs: number): Promise<void> => {
  const stats = client.sessions[0]!.stats
  const start = performance.now()
  while (performance.now() - start < limitMs && stats.frames < frameCount) {
    const last = Number.isFinite(stats.lastFrameAt) ? stats.lastFrameAt : start
    if (performance.now() - last > silenceMs) break
    await sleep(20)
  }
}

const playbackCase = async (options: ServerBenchOptions): Promise<void> => {
  const caseStart = performance.now()
  const server = await spawnServer({ media: dirname(options.sample), loop: false, maxSessions: 16, cpuProfile: undefined })
  let client: LoadClient | undefined
  try {
    client = await startLoad({
      host: "127.0.0.1",
      port: server.port,
      mediaPath: basename(options.sample),
      sessions: 1,
      concurrency: 1,
      recvBufferBytes: RECV_BUFFER_BYTES,
      batchedReceive: clientBatchedReceive(),
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      setupDeadlineMs: SETUP_DEADLINE_MS,
      teardownTimeoutMs: TEARDOWN_TIMEOUT_MS
    })
    const nominalSeconds = options.frameCount / options.fps
    await waitForEnd(client, options.frameCount, 2000, (nominalSeconds + 5) * 1000)
    const session = client.sessions[0]!
    const s = session.stats
    const expected = s.packets === 0 ? 0 : s.extMaxSeq - s.baseSeq + 1
    const line = {
      case: "server.playback",
      sample: options.sample,
      frames: options.frameCount,
      fps: options.fps,
      framesReceived: s.frames,
      packetsLost: expected - s.packets,
      playSeconds: round((s.lastFrameAt - s.firstFrameAt) / 1000 + 1 / options.fps, 3),
      nominalSeconds: round(nominalSeconds, 3),
      firstPacketMs: round(Math.max(0, s.firstPacketAt - session.playReplyAt), 2),
      ...(session.error !== undefined ? { error: session.error } : {})
    }
    await client.teardown()
    client = undefined
    await stopQuietly(server)
    print({ ...line, caseSeconds: round((performance.now() - caseStart) / 1000, 1) })
  } finally {
    if (client) await client.teardown().catch(() => undefined)
    await stopQuietly(server)
  }
}

/** Runs every server case; prints one JSON line per case. */
/** BENCH_IMPAIRED_SESSIONS (default "500"; "" for none): sessions asking for BENCH_IMPAIR (default lossy-wifi). */
const impairedSessionCounts = (): ReadonlyArray<number> => integers(process.env.BENCH_IMPAIRED_SESSIONS ?? "500")
const benchImpairment = (): string => process.env.BENCH_IMPAIR ?? "impair=lossy-wifi"

/** Every session impaired through its URL's query, against the same count unimpaired in this run. */
const impairedSessionsCase = async (options: ServerBenchOptions, sessions: number, seconds: number, clean: Record<string, unknown> | undefined): Promise<void> => {
  const query = impairmentQueryOf(benchImpairment())
  const server = await startOurServer({ sample: options.sample, maxSessions: Math.max(2000, sessions + 16), udpBatching: true, cpuProfile: profileFor(`server-impaired-${sessions}`) })
  const impaired = { ...server, mediaPath: `${server.mediaPath}?${query}` }
  const line = await sessionsCase(options, sessions, seconds, impaired, { server: "effect-rtsp", udpBatching: "on", udpSendPath: server.udpSendPath })
  const ours = line.serverUsPerPacket
  const cleanUs = clean?.serverUsPerPacket
  print({
    ...line,
    case: "server.impaired",
    impairment: query,
    cleanUsPerPacket: cleanUs ?? null,
    usPerPacketRatioToClean: typeof ours === "number" && typeof cleanUs === "number" && cleanUs > 0 ? round(ours / cleanUs, 2) : null
  })
}

export const runServerCases = async (options: ServerBenchOptions): Promise<void> => {
  const limit = rmemMax()
  if (limit < 2 * RECV_BUFFER_BYTES) {
    console.error(`note: net.core.rmem_max is ${limit}; client receive buffers are capped below ${2 * RECV_BUFFER_BYTES} bytes, so client-side drops may count as loss`)
  }
  const seconds = windowSeconds()
  // A case that fails still prints its line (with the error), and the bench exits non-zero at the end.
  const guarded = async (line: Record<string, unknown>, run: () => Promise<void>) => {
    try {
      await run()
    } catch (error) {
      process.exitCode = 1
      print({ ...line, error: messageOf(error) })
    }
  }
  const oursBatched = new Map<number, Record<string, unknown>>()
  for (const n of sessionCounts()) {
    for (const udpBatching of batchingModes()) {
      await guarded({ case: "server.sessions", server: "effect-rtsp", sessions: n, udpBatching: udpBatching ? "on" : "off" }, async () => {
        const line = await ourSessionsCase(options, n, seconds, udpBatching)
        if (udpBatching) oursBatched.set(n, line)
      })
    }
  }
  for (const n of plainClientSessionCounts()) {
    await guarded({ case: "server.sessions", server: "effect-rtsp", sessions: n, udpBatching: "on", clientReceive: "plain" }, async () => {
      await ourSessionsCase(options, n, seconds, true, false)
    })
  }
  for (const n of workerSessionCounts()) {
    for (const workers of workerCounts()) {
      await guarded({ case: "server.sessions", server: "effect-rtsp", sessions: n, workers }, () => clusterSessionsCase(options, n, seconds, workers))
    }
  }
  for (const n of impairedSessionCounts()) {
    await guarded({ case: "server.impaired", sessions: n }, () => impairedSessionsCase(options, n, seconds, oursBatched.get(n)))
  }
  for (const n of publishedSessionCounts()) {
    await guarded({ case: "server.published", sessions: n }, () => publishedSessionsCase(options, n, seconds, oursBatched.get(n)))
  }
  const multicastCounts = multicastSessionCounts()
  const noNamespace = multicastCounts.length > 0 ? namespaceUnavailable() : undefined
  if (noNamespace !== undefined) print({ case: "server.multicast", skipped: noNamespace })
  else {
    let oneViewer: Record<string, unknown> | undefined
    for (const n of multicastCounts) {
      await guarded({ case: "server.multicast", sessions: n }, async () => {
        const line = await multicastCase(options, n, seconds, oneViewer, oursBatched.get(n))
        if (n === 1) oneViewer = line
      })
    }
  }
  const peerCounts = peerSessionCounts()
  if (peerCounts.length > 0 && !gstreamerAvailable()) {
    print({ case: "server.sessions", server: "gstreamer", skipped: "GStreamer's RTSP server is not installed (python3-gst-1.0, gir1.2-gst-rtsp-server-1.0)" })
  } else {
    for (const n of peerCounts) {
      await guarded({ case: "server.sessions", server: "gstreamer", sessions: n }, () => gstreamerSessionsCase(options, n, seconds, oursBatched.get(n)))
    }
  }
  if (process.env.BENCH_PLAYBACK !== "0") await guarded({ case: "server.playback" }, () => playbackCase(options))
}
