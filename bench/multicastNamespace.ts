/**
 * Runs bench/multicastCase.js inside a fresh network namespace, so that the multicast the
 * case plays never reaches the host's network: `unshare -n` gives it a namespace of its own
 * whose only interface is lo, brought up with a route for 224.0.0.0/4, so the group's packets
 * loop back to the receiver there and go nowhere else. The server and the viewers all run in
 * that namespace and reach each other on 127.0.0.1. Needs root (or CAP_SYS_ADMIN) and iproute2.
 */
import { execFileSync, spawn } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { messageOf } from "../src/common/errorText.js"
import { terminate } from "./childExit.js"

/** lo up, multicast on, and every group routed to it: the namespace's whole network. */
const NAMESPACE_SETUP = "ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo"
const PROBE_TIMEOUT_MS = 10_000
const STDERR_KEEP_CHARS = 2000
/** After its line, how long the case may take to tear down and exit before it is killed. */
const EXIT_GRACE_MS = 15_000

const entryPath = join(dirname(fileURLToPath(import.meta.url)), "multicastCase.js")

/** Why no namespace can be made here (unshare or ip missing, not permitted), or undefined when one can. */
export const namespaceUnavailable = (): string | undefined => {
  try {
    execFileSync("unshare", ["-n", "sh", "-c", NAMESPACE_SETUP], { timeout: PROBE_TIMEOUT_MS, stdio: ["ignore", "ignore", "pipe"] })
    return undefined
  } catch (error) {
    // execFileSync's error has the child's stderr (a Buffer) when it ran, none when it could not start.
    const output = typeof error === "object" && error !== null && "stderr" in error ? error.stderr : undefined
    const stderr = Buffer.isBuffer(output) ? output.toString("utf8").trim() : ""
    return `cannot make a network namespace (unshare -n, then ${NAMESPACE_SETUP}): ${stderr || messageOf(error)}`
  }
}

/**
 * The case's one JSON line, parsed. Rejects when the case prints no line within `timeoutMs`
 * (it is then killed), prints an error line, or exits without a line.
 */
export const runMulticastCase = (sessions: number, windowSeconds: number, sample: string, fps: number, timeoutMs: number): Promise<Record<string, unknown>> =>
  new Promise((resolve, reject) => {
    // "$@" carries the command past sh unquoted-safe: paths with spaces stay one argument.
    const args = ["-n", "sh", "-c", `${NAMESPACE_SETUP} && exec "$@"`, "sh", process.execPath, entryPath, String(sessions), String(windowSeconds), sample, String(fps)]
    const child = spawn("unshare", args, { stdio: ["ignore", "pipe", "pipe"] })
    const killOnExit = () => child.kill("SIGKILL")
    process.once("exit", killOnExit)
    let stdout = ""
    let stderr = ""
    let settled = false
    const settle = (outcome: Record<string, unknown> | Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      // Let the case tear down on its own; kill it if it lingers.
      void terminateLater().finally(() => process.off("exit", killOnExit))
      if (outcome instanceof Error) reject(outcome)
      else resolve(outcome)
    }
    const terminateLater = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      await new Promise<void>((done) => {
        const grace = setTimeout(done, EXIT_GRACE_MS)
        child.once("exit", () => {
          clearTimeout(grace)
          done()
        })
      })
      await terminate(child, 2000)
    }
    const failure = (message: string) => new Error(`${message}${stderr === "" ? "" : `\n--- stderr ---\n${stderr}`}`)
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      settle(failure(`server.multicast (${sessions} sessions) printed no line within ${timeoutMs} ms`))
    }, timeoutMs)
    child.stderr.setEncoding("utf8")
    child.stderr.on("data", (text: string) => {
      stderr = (stderr + text).slice(-STDERR_KEEP_CHARS)
    })
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (text: string) => {
      stdout += text
      const newline = stdout.indexOf("\n")
      if (newline < 0) return
      let parsed: unknown
      try {
        parsed = JSON.parse(stdout.slice(0, newline))
      } catch {
        return settle(failure(`server.multicast printed a line that is not JSON: ${stdout.slice(0, Math.min(newline, 200))}`))
      }
      if (typeof parsed !== "object" || parsed === null) return settle(failure("server.multicast printed a line that is not a JSON object"))
      const line = parsed as Record<string, unknown>
      settle(typeof line.error === "string" ? failure(line.error) : line)
    })
    child.once("error", (error) => settle(failure(`cannot start unshare: ${error.message}`)))
    child.once("exit", (code, signal) => settle(failure(`server.multicast exited without a line (code ${code}, signal ${signal})`)))
  })
