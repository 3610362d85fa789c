/**
 * System tools the interop tests drive. Outside CI a missing tool skips its
 * tests with a visible reason; under CI=true the tests run anyway and fail,
 * so a CI machine without the tool cannot pass silently.
 */
import { spawnSync } from "node:child_process"
import { GST_PYTHON, gstreamerAvailable } from "../../bench/gstRtspPeer.js"

const probe = (command: string, versionFlag: string): boolean => {
  const result = spawnSync(command, [versionFlag], { stdio: "ignore" })
  return result.error === undefined && result.status === 0
}

export interface Tool {
  readonly name: string
  readonly available: boolean
  /** True when tests needing the tool should be skipped (missing, and not under CI). */
  readonly skip: boolean
}

const tool = (name: string, versionFlag: string): Tool => {
  const available = probe(name, versionFlag)
  const skip = !available && process.env.CI !== "true"
  if (skip) console.warn(`[skip] ${name} is not installed: tests that need it are skipped (under CI=true they fail)`)
  return { name, available, skip }
}

export const ffmpeg = (): Tool => tool("ffmpeg", "-version")
export const ffprobe = (): Tool => tool("ffprobe", "-version")
export const gstLaunch = (): Tool => tool("gst-launch-1.0", "--version")
/** The openssl CLI, which the RTSPS tests make their certificates with. */
export const openssl = (): Tool => tool("openssl", "version")

export { GST_PYTHON }

/** GStreamer's RTSP server from Python (Debian: python3-gst-1.0, gir1.2-gst-rtsp-server-1.0), as gstRtspServer.ts runs it. */
export const gstRtspServer = (): Tool => {
  const name = "GStreamer RTSP server (python3-gst-1.0 + gir1.2-gst-rtsp-server-1.0)"
  const available = gstreamerAvailable()
  const skip = !available && process.env.CI !== "true"
  if (skip) console.warn(`[skip] ${name} is not installed for ${GST_PYTHON}: tests that need it are skipped (under CI=true they fail)`)
  return { name, available, skip }
}

/** Debian's chromium (apt-get install chromium), which the web player's browser test drives through playwright-core. */
export const chromium = (): Tool => tool("/usr/bin/chromium", "--version")
