/**
 * Starts bench/serverProcess.js as a child process and reads what it costs
 * from /proc: CPU time (utime + stime in clock ticks) and resident memory.
 * process.cpuUsage() only sees the calling process, hence /proc. Every wait
 * is bounded; the child is killed if the bench exits first.
 */
import { execFileSync, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { RUNTIME_NODE_FLAGS } from "../src/common/nodeFlags.js"
import { terminate } from "./childExit.js"
import type { ServerReadyLine, ServerSelfStats } from "./serverProcess.js"

export interface ServerProcessOptions {
  /** Folder the server serves. */
  readonly media: string
  readonly loop: boolean
  readonly maxSessions: number
  /** When set, the server runs under `node --cpu-prof` and writes `<name>.cpuprofile` here on exit. */
  readonly cpuProfile?: { readonly dir: string; readonly name: string } | undefined
  /** Runs node with --expose-gc, so that stats({ gc: true }) can measure the live heap. */
  readonly exposeGc?: boolean | undefined
  /** false: --udp-batching off (one dgram send per packet). */
  readonly udpBatching?: boolean | undefined
  /** --publish: the server takes publishers. */
  readonly publish?: boolean | undefined
  /** --live PATH for each: media paths served as live channels (multicast stays at its default, on). */
  readonly live?: ReadonlyArray<string> | undefined
}

export interface ServerProcess {
  readonly pid: number
  readonly port: number
  readonly rtpPort: number
  /** The UDP send path the server reported at start. */
  readonly udpSendPath: string
  /** utime and stime of the whole process (all threads), in clock ticks. */
  readonly cpuTicks: () => CpuTicks
  readonly rssKiB: () => number
  /** SIGTERM, then SIGKILL if it has not exited within `timeoutMs`; resolves with the exit code (null when killed). */
  readonly stop: (timeoutMs?: number) => Promise<number | null>
  /** The server's own counters and event-loop delay since the previous call (bounded wait). */
  readonly stats: (options?: { readonly gc?: boolean; readonly timeoutMs?: number }) => Promise<ServerSelfStats>
  /** The last lines the server wrote on stderr (warnings and errors). */
  readonly stderrTail: () => string
}

const READY_TIMEOUT_MS = 20_000
const STDERR_KEEP_CHARS = 4000

/** Clock ticks per second for /proc/<pid>/stat (CLK_TCK, 100 on Linux). */
export const clockTicksPerSecond: number = (() => {
  try {
    const n = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim())
    return Number.isInteger(n) && n > 0 ? n : 100
  } catch {
    return 100
  }
})()

export interface CpuTicks {
  readonly user: number
  readonly system: number
}

/** utime and stime from /proc/<pid>/stat (fields 14 and 15; the command name may hold spaces, so count after ")"). */
export const readCpuTicks = (pid: number): CpuTicks => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  // fields[0] is field 3 (state), so utime (14) is fields[11] and stime (15) fields[12].
  return { user: Number(fields[11]), system: Number(fields[12]) }
}

export const readRssKiB = (pid: number): number => {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return match ? Number(match[1]) : Number.NaN
}

const entryPath = join(dirname(fileURLToPath(import.meta.url)), "serverProcess.js")

export const spawnServer = (options: ServerProcessOptions): Promise<ServerProcess> =>
  new Promise((resolve, reject) => {
    const nodeFlags = options.cpuProfile
      ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfile.dir}`, `--cpu-prof-name=${options.cpuProfile.name}.cpuprofile`]
      : []
    // The flags the shipped commands run with, so the bench measures the server as users run it.
    nodeFlags.push(...RUNTIME_NODE_FLAGS)
    if (options.exposeGc) nodeFlags.push("--expose-gc")
    // BENCH_SERVER_NODE_FLAGS="--max-semi-space-size=16 …": V8 flags for the server process, to compare heap settings (last wins).
    nodeFlags.push(...(process.env.BENCH_SERVER_NODE_FLAGS ?? "").split(/\s+/).filter((flag) => flag !== ""))
    const args = [...nodeFlags, entryPath, "--media", options.media, "--max-sessions", String(options.maxSessions)]
    if (options.loop) args.push("--loop")
    if (options.udpBatching === false) args.push("--udp-batching", "off")
    if (options.publish === true) args.push("--publish")
    for (const path of options.live ?? []) args.push("--live", path)
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"] })
    const killOnExit = () => child.kill("SIGKILL")
    process.once("exit", killOnExit)
    let stderr = ""
    let stdout = ""
    let settled = false
    // Writing to a server that just died must not crash the bench (EPIPE).
    child.stdin!.on("error", () => undefined)
    child.stderr!.setEncoding("utf8")
    child.stderr!.on("data", (text: string) => {
      stderr = (stderr + text).slice(-STDERR_KEEP_CHARS)
    })
    const fail = (message: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.kill("SIGKILL")
      reject(new Error(`${message}\n--- server stderr ---\n${stderr}`))
    }
    const timer = setTimeout(() => fail(`server process sent no ready line within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS)
    child.once("exit", (code, signal) => fail(`server process exited before it was ready (code ${code}, signal ${signal})`))
    child.once("error", (error) => fail(`cannot start the server process: ${error.message}`))
    // Replies are matched to requests by id: a reply that comes after its request timed out must not answer the next one.
    const statsWaiters = new Map<string, (stats: ServerSelfStats) => void>()
    let nextStatsId = 1
    const onLine = (line: string) => {
      let parsed: unknown
      try {
        parsed = JSON.parse(line)
      } catch {
        return
      }
      if (typeof parsed !== "object" || parsed === null) return
      if ("stats" in parsed && "id" in parsed) {
        const reply = parsed as { id: string; stats: ServerSelfStats }
        statsWaiters.get(reply.id)?.(reply.stats)
        statsWaiters.delete(reply.id)
        return
      }
      if (settled || !("ready" in parsed)) return
      const ready = parsed as ServerReadyLine
      settled = true
      clearTimeout(timer)
      const pid = child.pid!
      resolve({
        pid,
        port: ready.port,
        rtpPort: ready.rtpPort,
        udpSendPath: ready.udpSendPath,
        cpuTicks: () => readCpuTicks(pid),
        rssKiB: () => readRssKiB(pid),
        stderrTail: () => stderr,
        stats: ({ gc = false, timeoutMs = 5000 } = {}) =>
          new Promise((res, rej) => {
            const id = String(nextStatsId++)
            const timeout = setTimeout(() => {
              statsWaiters.delete(id)
              rej(new Error(`server sent no stats within ${timeoutMs} ms`))
            }, timeoutMs)
            statsWaiters.set(id, (stats) => {
              clearTimeout(timeout)
              res(stats)
            })
            child.stdin!.write(`stats ${id}${gc ? " gc" : ""}\n`)
          }),
        stop: async (timeoutMs = 10_000) => {
          const code = await terminate(child, timeoutMs)
          process.off("exit", killOnExit)
          return code
        }
      })
    }
    child.stdout!.setEncoding("utf8")
    child.stdout!.on("data", (text: string) => {
      stdout += text
      const lines = stdout.split("\n")
      stdout = lines.pop() ?? ""
      for (const line of lines) onLine(line)
    })
  })
