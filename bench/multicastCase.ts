/**
 * One server.multicast measurement, run inside a network namespace (bench/multicastNamespace.ts
 * starts it there; never run it on the host's network):
 *
 *   node dist/bench/multicastCase.js <sessions> <windowSeconds> <sample> <fps>
 *
 * Starts the server process with the sample as a live channel (multicast on, its default),
 * sets up and plays <sessions> multicast members, joins the group with one receiver, and
 * measures the server's CPU and memory (/proc) and its own packet count over the window.
 * Prints ONE JSON line on stdout (the measured figures; the caller adds comparisons), then
 * tears everything down. Failures print {"error": ...} and exit 1.
 */
import { readFileSync } from "node:fs"
import { basename, dirname, resolve } from "node:path"
import { performance } from "node:perf_hooks"
import { messageOf } from "../src/common/errorText.js"
import { type GroupReceiver, joinGroup, type Members, startMembers } from "./multicastViewers.js"
import { clockTicksPerSecond, type ServerProcess, spawnServer } from "./serverSpawn.js"
import { readHostCpuTicks, round, sleep } from "./serverStats.js"
import { RECV_BUFFER_BYTES, REQUEST_TIMEOUT_MS, RSS_SAMPLE_MS, SETTLE_MS, SETUP_CONCURRENCY, SETUP_DEADLINE_MS, TEARDOWN_TIMEOUT_MS } from "./loadLimits.js"

const [sessionsText = "", windowText = "", sampleText = "", fpsText = ""] = process.argv.slice(2)
const sessions = Number(sessionsText)
const windowSeconds = Number(windowText)
const nominalFps = Number(fpsText)

/**
 * Frame rate over the window: frames - 1 intervals over the first-to-last frame span, the span
 * taken as at least the window less two frame intervals so that a stall near either end shows.
 */
/** Busy ticks of the whole host (all cores): what else ran beside the case shows in the line. */
const hostBusyTicks = (): number => readHostCpuTicks(readFileSync("/proc/stat", "utf8")).busy

const windowFps = (frames: number, spanMs: number, windowMs: number): number =>
  frames < 2 ? (frames * 1000) / windowMs : ((frames - 1) * 1000) / Math.max(spanMs, windowMs - 2000 / nominalFps)

const measure = async (sample: string): Promise<Record<string, unknown>> => {
  let server: ServerProcess | undefined
  let members: Members | undefined
  let receiver: GroupReceiver | undefined
  try {
    const mediaPath = basename(sample)
    server = await spawnServer({ media: dirname(sample), loop: true, live: [mediaPath], maxSessions: Math.max(2000, sessions + 16) })
    await sleep(SETTLE_MS)
    const idleRssKiB = server.rssKiB()
    const setupStart = performance.now()
    members = await startMembers({
      host: "127.0.0.1",
      port: server.port,
      mediaPath,
      sessions,
      concurrency: SETUP_CONCURRENCY,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      setupDeadlineMs: SETUP_DEADLINE_MS,
      teardownTimeoutMs: TEARDOWN_TIMEOUT_MS
    })
    const setupSeconds = (performance.now() - setupStart) / 1000
    const group = members.group
    if (group === undefined) throw new Error(`no SETUP succeeded: ${members.errors().slice(0, 3).join("; ")}`)
    receiver = await joinGroup(group, RECV_BUFFER_BYTES)
    await sleep(SETTLE_MS)

    // The stats request also resets the server's loop-delay and utilization marks for the window.
    const stats0 = await server.stats()
    const cpu0 = server.cpuTicks()
    const host0 = hostBusyTicks()
    const clientCpu0 = process.cpuUsage()
    const rssSamplesKiB: Array<number> = [server.rssKiB()]
    const rssTimer = setInterval(() => rssSamplesKiB.push(server?.rssKiB() ?? Number.NaN), RSS_SAMPLE_MS)
    receiver.startWindow()
    await sleep(windowSeconds * 1000)
    const window = receiver.endWindow()
    const cpu1 = server.cpuTicks()
    const hostTicks = hostBusyTicks() - host0
    const clientCpu = process.cpuUsage(clientCpu0)
    clearInterval(rssTimer)
    rssSamplesKiB.push(server.rssKiB())
    const stats1 = await server.stats()
    const sessionsUp = members.sessionsUp()
    const setupErrors = members.errors()

    const pctOfOneCore = (ticks: number): number => (ticks / clockTicksPerSecond / window.seconds) * 100
    const serverTicks = cpu1.user + cpu1.system - cpu0.user - cpu0.system
    const serverPct = pctOfOneCore(serverTicks)
    const hostPct = pctOfOneCore(hostTicks)
    const clientPct = ((clientCpu.user + clientCpu.system) / 1e6 / window.seconds) * 100
    const teardownStart = performance.now()
    const torn = await members.teardown()
    members = undefined
    const teardownSeconds = (performance.now() - teardownStart) / 1000
    const exitCode = await server.stop()
    const stderr = server.stderrTail()
    server = undefined
    return {
      case: "server.multicast",
      sessions,
      sessionsUp,
      transport: "multicast",
      group: `${group.address}:${group.rtpPort}`,
      serverCpuPctOfOneCore: round(serverPct, 1),
      serverKernelPct: round(pctOfOneCore(cpu1.system - cpu0.system), 1),
      // The raw figure behind both: one tick (1/CLK_TCK s) is the resolution.
      serverCpuTicks: serverTicks,
      serverRssMiB: round(Math.max(...rssSamplesKiB) / 1024, 1),
      serverIdleRssMiB: round(idleRssKiB / 1024, 1),
      packetsSentByServer: stats1.packetsSent - stats0.packetsSent,
      serverSessions: stats1.sessions,
      serverLoopUtilization: stats1.loopUtilization,
      receiverPackets: window.packets,
      receiverLoss: window.lost,
      receiverFps: round(windowFps(window.frames, window.frameSpanMs, window.seconds * 1000), 2),
      receiverFrames: window.frames,
      receiverMaxFrameGapMs: round(window.maxFrameGapMs, 1),
      receiverForeignPackets: window.foreignPackets,
      receiverRecvBufferBytes: receiver.recvBufferBytes,
      clientCpuPctOfOneCore: round(clientPct, 1),
      hostCpuPctOfOneCore: round(hostPct, 1),
      // Neither the server nor this process: above a few % the figures are disturbed.
      otherCpuPctOfOneCore: round(Math.max(0, hostPct - serverPct - clientPct), 1),
      windowSeconds: round(window.seconds, 2),
      setupSeconds: round(setupSeconds, 2),
      teardownOk: torn.ok,
      teardownFailed: torn.failed,
      teardownSeconds: round(teardownSeconds, 2),
      ...(setupErrors.length > 0 ? { setupErrors: setupErrors.slice(0, 5) } : {}),
      ...(exitCode !== 0 ? { serverExitCode: exitCode, serverStderr: stderr.slice(-500) } : {})
    }
  } finally {
    receiver?.close()
    await members?.teardown().catch(() => undefined)
    await server?.stop().catch(() => null)
  }
}

if (!(Number.isInteger(sessions) && sessions > 0 && windowSeconds > 0 && sampleText !== "" && nominalFps > 0)) {
  console.log(JSON.stringify({ error: `usage: multicastCase.js <sessions> <windowSeconds> <sample> <fps> (got ${process.argv.slice(2).join(" ")})` }))
  process.exit(2)
}
try {
  console.log(JSON.stringify(await measure(resolve(sampleText))))
} catch (error) {
  console.log(JSON.stringify({ error: messageOf(error) }))
  process.exitCode = 1
}
