/**
 * The RTSP servers the load cases measure, behind one shape: ours in its
 * bench process (with its own stats channel), ours as `effect-rtsp serve
 * --workers N` (the CLI, primary and workers measured together), and GStreamer's RTSP server
 * (the peer the interop tests use), both serving the sample in a loop. CPU
 * and memory come from /proc for the server's whole process tree.
 */
import { spawn } from "node:child_process"
import { basename, dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { terminate } from "./childExit.js"
import { startGstRtspServer } from "./gstRtspPeer.js"
import { RUNTIME_NODE_FLAGS } from "../src/common/nodeFlags.js"
import { treeCpuTicks, treeRssKiB } from "./processTree.js"
import { type CpuTicks, readCpuTicks, readRssKiB, type ServerProcess, spawnServer } from "./serverSpawn.js"

export interface ServerUnderTest {
  /** "effect-rtsp" or "gstreamer": named in the case's line. */
  readonly server: string
  readonly port: number
  /** The sample's path under the server's root. */
  readonly mediaPath: string
  readonly udpSendPath: string | null
  readonly cpuTicks: () => CpuTicks
  readonly rssKiB: () => number
  /** The server's own counters; only ours has them. */
  readonly stats: ServerProcess["stats"] | undefined
  /** Resolves with the exit code (null when it had to be killed). */
  readonly stop: () => Promise<number | null>
  readonly stderrTail: () => string
}

export interface OurServerOptions {
  readonly sample: string
  readonly maxSessions: number
  readonly udpBatching: boolean
  readonly cpuProfile: { readonly dir: string; readonly name: string } | undefined
  /** Take publishers, and play this published path instead of the sample. */
  readonly publishedPath?: string
}

export const startOurServer = async (options: OurServerOptions): Promise<ServerUnderTest> => {
  const server = await spawnServer({
    media: dirname(options.sample),
    loop: true,
    maxSessions: options.maxSessions,
    cpuProfile: options.cpuProfile,
    exposeGc: true,
    udpBatching: options.udpBatching,
    publish: options.publishedPath !== undefined
  })
  return {
    server: "effect-rtsp",
    port: server.port,
    mediaPath: options.publishedPath ?? basename(options.sample),
    udpSendPath: server.udpSendPath,
    cpuTicks: server.cpuTicks,
    rssKiB: server.rssKiB,
    stats: server.stats,
    stop: () => server.stop(),
    stderrTail: server.stderrTail
  }
}

export const startGstreamer = async (): Promise<ServerUnderTest> => {
  const peer = await startGstRtspServer({ loop: true })
  return {
    server: "gstreamer",
    port: peer.port,
    mediaPath: new URL(peer.url).pathname.slice(1),
    udpSendPath: null,
    // GStreamer's pipelines are threads of the one Python process, which /proc/<pid>/stat sums.
    cpuTicks: () => readCpuTicks(peer.pid),
    rssKiB: () => readRssKiB(peer.pid),
    stats: undefined,
    stop: async () => {
      await peer.close()
      return 0
    },
    stderrTail: () => ""
  }
}

export interface OurClusterOptions {
  readonly sample: string
  readonly workers: number
  readonly maxSessions: number
}

const CLI = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "cli", "bin.js")
const READY = /RTSP server listening on [^:]+:(\d+)/
const CLUSTER_READY_TIMEOUT_MS = 30_000
const CLUSTER_STOP_TIMEOUT_MS = 10_000

/** `effect-rtsp serve --workers N` on free ports, looping the sample; resolved once it logs its ready line. */
export const startOurCluster = (options: OurClusterOptions): Promise<ServerUnderTest> =>
  new Promise((resolve, reject) => {
    const args = [
      ...RUNTIME_NODE_FLAGS, CLI, "serve", "--host", "127.0.0.1", "--port", "0", "--rtp-port", "0", "--media", dirname(options.sample), "--loop",
      "--max-sessions", String(options.maxSessions), "--max-connections", String(options.maxSessions), "--workers", String(options.workers)
    ]
    const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] })
    const killOnExit = () => child.kill("SIGKILL")
    process.once("exit", killOnExit)
    let stderr = ""
    let settled = false
    const fail = (message: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.kill("SIGKILL")
      reject(new Error(`${message}\n--- serve stderr ---\n${stderr.slice(-2000)}`))
    }
    const timer = setTimeout(() => fail(`serve --workers ${options.workers} logged no ready line within ${CLUSTER_READY_TIMEOUT_MS} ms`), CLUSTER_READY_TIMEOUT_MS)
    child.once("exit", (code, signal) => fail(`serve --workers ${options.workers} exited before it was ready (code ${code}, signal ${signal})`))
    child.once("error", (error) => fail(`cannot start serve: ${error.message}`))
    child.stderr!.setEncoding("utf8")
    child.stderr!.on("data", (text: string) => {
      stderr = (stderr + text).slice(-8000)
      const ready = READY.exec(stderr)
      if (settled || ready === null) return
      settled = true
      clearTimeout(timer)
      const pid = child.pid!
      const sendPath = /UDP send path: (\S+)/.exec(stderr)?.[1] ?? null
      resolve({
        server: "effect-rtsp",
        port: Number(ready[1]),
        mediaPath: basename(options.sample),
        udpSendPath: sendPath,
        cpuTicks: () => treeCpuTicks(pid),
        rssKiB: () => treeRssKiB(pid),
        stats: undefined,
        stop: async () => {
          const code = await terminate(child, CLUSTER_STOP_TIMEOUT_MS)
          process.off("exit", killOnExit)
          return code
        },
        stderrTail: () => stderr
      })
    })
  })
