/**
 * The RTSP servers the load cases measure, behind one shape: ours in its
 * bench process (with its own stats channel) and GStreamer's RTSP server
 * (the peer the interop tests use), both serving the sample in a loop. CPU
 * and memory come from /proc for the server's whole process tree.
 */
import { spawnSync } from "node:child_process"
import { basename, dirname } from "node:path"
import { GST_PYTHON, startGstRtspServer } from "./gstRtspPeer.js"
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
}

export const startOurServer = async (options: OurServerOptions): Promise<ServerUnderTest> => {
  const server = await spawnServer({
    media: dirname(options.sample),
    loop: true,
    maxSessions: options.maxSessions,
    cpuProfile: options.cpuProfile,
    exposeGc: true,
    udpBatching: options.udpBatching
  })
  return {
    server: "effect-rtsp",
    port: server.port,
    mediaPath: basename(options.sample),
    udpSendPath: server.udpSendPath,
    cpuTicks: server.cpuTicks,
    rssKiB: server.rssKiB,
    stats: server.stats,
    stop: () => server.stop(),
    stderrTail: server.stderrTail
  }
}

/** Whether GStreamer's RTSP server can run here (Debian: python3-gst-1.0, gir1.2-gst-rtsp-server-1.0). */
export const gstreamerAvailable = (): boolean => {
  const check = "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"
  const result = spawnSync(GST_PYTHON, ["-c", check], { stdio: "ignore" })
  return result.error === undefined && result.status === 0
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
