/**
 * GStreamer's RTSP server as a peer (a server we did not write) for the
 * interop tests and the benchmark, serving the sample at
 * rtsp://127.0.0.1:<port>/movie.mjpeg. GStreamer cannot read the
 * lab's .Mjpeg container, so the sample's frames are written, split by the
 * project's own container code, to a raw concatenated-JPEG file in a temp dir.
 */
import { type ChildProcess, spawn, type SpawnOptions, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { detectContainer, splitMjpeg } from "../src/media/container.js"
import { terminate } from "./childExit.js"

/** The Python that has GStreamer's bindings: Debian's own (`python3` on PATH may be a pyenv shim without `gi`). */
export const GST_PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3"

/** Whether GStreamer's RTSP server can run here (Debian: python3-gst-1.0, gir1.2-gst-rtsp-server-1.0). */
export const gstreamerAvailable = (): boolean => {
  const check = "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"
  const result = spawnSync(GST_PYTHON, ["-c", check], { stdio: "ignore" })
  return result.error === undefined && result.status === 0
}

/** A script beside this file's source: bench/ from the sources (tests), dist/bench/ from the build. */
const scriptPath = (name: string): string => {
  const here = dirname(fileURLToPath(import.meta.url))
  const beside = join(here, name)
  return existsSync(beside) ? beside : join(here, "..", "..", "bench", name)
}
const SCRIPT = scriptPath("gst-rtsp-server.py")
const LAUNCH_SCRIPT = scriptPath("gst-rtsp-launch-server.py")
export const SAMPLE = "video/movie.Mjpeg"
const MOUNT = "movie.mjpeg"
const READY_TIMEOUT_MS = 10_000
const TERM_GRACE_MS = 3_000

export interface GstRtspServer {
  readonly url: string
  readonly port: number
  /** The Python process (GStreamer's threads are its own). */
  readonly pid: number
  readonly close: () => Promise<void>
}

/** The sample's JPEG frames, in order, split with the project's container code. */
export const sampleFrames = (file: string = SAMPLE): ReadonlyArray<Buffer> => {
  const buf = readFileSync(file)
  const container = detectContainer(buf)
  if (container === undefined) throw new Error(`${file}: neither a lab .Mjpeg nor raw concatenated JPEGs`)
  const { frames, problems } = splitMjpeg(buf, container)
  if (problems.length > 0) throw new Error(`${file}: ${problems.map((p) => p.message).join("; ")}`)
  return frames.map((f) => f.jpeg)
}

/** Waits (bounded) for the script's `READY <port>` line. */
const awaitReady = (child: ChildProcess, stderr: () => string): Promise<number> =>
  new Promise((resolve, reject) => {
    let stdout = ""
    const done = (): void => {
      clearTimeout(timer)
      child.stdout?.off("data", onData)
      child.off("exit", onExit)
      child.off("error", onError)
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`the GStreamer peer printed no READY line within ${READY_TIMEOUT_MS} ms; stderr: ${stderr()}`))
    }, READY_TIMEOUT_MS)
    const onData = (chunk: Buffer): void => {
      stdout += chunk.toString("utf8")
      const match = /^READY (\d+)$/m.exec(stdout)
      if (match?.[1] !== undefined) {
        done()
        resolve(Number(match[1]))
      }
    }
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      done()
      reject(new Error(`the GStreamer peer exited (${signal ?? code}) before it was ready; stderr: ${stderr()}`))
    }
    const onError = (error: Error): void => {
      done()
      reject(new Error(`cannot run ${GST_PYTHON}: ${error.message}`))
    }
    child.stdout?.on("data", onData)
    child.once("exit", onExit)
    child.once("error", onError)
  })

export interface GstRtspServerOptions {
  /** The rate the file is paced at (default 20, the sample's). */
  readonly fps?: number
  /** RTP payload type (default 26, JPEG's static type; 96-127 is announced by a=rtpmap only). */
  readonly payloadType?: number
  /** Play the file over and over (default: once). */
  readonly loop?: boolean
  /** Also offer RTP/AVP;multicast, from one pipeline every client shares (groups 239.255.43.0-10, ports 5000-5010, ttl 1). */
  readonly multicast?: boolean
  /** The address it listens on (default 127.0.0.1). */
  readonly address?: string
  /** Starts the peer's process (default node's spawn), e.g. inside a network namespace. */
  readonly spawn?: SpawnPeer
}

export type SpawnPeer = (command: string, args: ReadonlyArray<string>, options: SpawnOptions) => ChildProcess

/** Runs a peer script until it prints READY; `cleanUp` runs once it is gone. */
const startPeer = async (args: ReadonlyArray<string>, mount: string, cleanUp: () => void, options: Pick<GstRtspServerOptions, "address" | "spawn"> = {}): Promise<GstRtspServer> => {
  const child = (options.spawn ?? spawn)(GST_PYTHON, args, { stdio: ["ignore", "pipe", "pipe"] })
  let stderr = ""
  child.stderr?.on("data", (chunk: Buffer) => {
    // Keep the tail only: enough to explain a failure.
    stderr = (stderr + chunk.toString("utf8")).slice(-4000)
  })
  const close = async (): Promise<void> => {
    await terminate(child, TERM_GRACE_MS)
    cleanUp()
  }
  try {
    const port = await awaitReady(child, () => stderr.trim())
    return { url: `rtsp://${options.address ?? "127.0.0.1"}:${port}/${mount}`, port, pid: child.pid!, close }
  } catch (error) {
    await close()
    throw error
  }
}

export const startGstRtspServer = async (options: GstRtspServerOptions = {}): Promise<GstRtspServer> => {
  const fps = options.fps ?? 20
  const payloadType = options.payloadType ?? 26
  const dir = mkdtempSync(join(tmpdir(), "gst-rtsp-"))
  const file = join(dir, MOUNT)
  writeFileSync(file, Buffer.concat(sampleFrames()))
  const flags = [
    ...(options.loop === true ? ["loop"] : []),
    ...(options.multicast === true ? ["multicast"] : []),
    ...(options.address === undefined ? [] : [`address=${options.address}`])
  ]
  const args = [SCRIPT, "0", file, String(fps), MOUNT, String(payloadType), ...flags]
  return startPeer(args, MOUNT, () => rmSync(dir, { recursive: true, force: true }), options)
}

/**
 * GStreamer's RTSP server running one launch line (payloaders named pay0, pay1, …) at
 * rtsp://127.0.0.1:<port>/<mount>, a fresh pipeline per client.
 */
export const startGstLaunchServer = (launch: string, mount: string): Promise<GstRtspServer> =>
  startPeer([LAUNCH_SCRIPT, "0", mount, launch], mount, () => {})
