/** The built `rtsp-harness` (dist/harness/bin.js) in its own process, as users run it. */
import { spawn } from "node:child_process"
import { expect } from "@effect/vitest"

export interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `command` with `args` (and `env`) to its exit; killed, and the promise rejected, after `timeoutMs`. */
export const runProcess = (command: string, args: ReadonlyArray<string>, timeoutMs: number, env: NodeJS.ProcessEnv = process.env, label = command): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()))
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`${label} ran over ${timeoutMs} ms\n${stdout}\n${stderr}`))
    }, timeoutMs)
    child.on("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

/** Runs the built harness with `args` (and `env`); killed, and the promise rejected, after `timeoutMs`. */
export const harness = (args: ReadonlyArray<string>, timeoutMs = 30_000, env: NodeJS.ProcessEnv = process.env): Promise<Ran> =>
  runProcess(process.execPath, ["dist/harness/bin.js", ...args], timeoutMs, env, `rtsp-harness ${args.join(" ")}`)

/** No stack trace on either stream: every failure is one clear line. */
export const stackTraceIn = (ran: Ran): boolean => /^\s+at /m.test(ran.stderr) || /^\s+at /m.test(ran.stdout)

export const noStackTrace = (ran: Ran): void => {
  expect(ran.stderr).not.toMatch(/^\s+at /m)
  expect(ran.stdout).not.toMatch(/^\s+at /m)
}
