/** The built `rtsp-harness` (dist/harness/bin.js) in its own process, as users run it. */
import { spawn } from "node:child_process"
import { expect } from "@effect/vitest"

export interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the built harness with `args` (and `env`); killed, and the promise rejected, after `timeoutMs`. */
export const harness = (args: ReadonlyArray<string>, timeoutMs = 30_000, env: NodeJS.ProcessEnv = process.env): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["dist/harness/bin.js", ...args], { stdio: ["ignore", "pipe", "pipe"], env })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()))
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`rtsp-harness ${args.join(" ")} ran over ${timeoutMs} ms\n${stdout}\n${stderr}`))
    }, timeoutMs)
    child.on("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

/** No stack trace on either stream: every failure is one clear line. */
export const stackTraceIn = (ran: Ran): boolean => /^\s+at /m.test(ran.stderr) || /^\s+at /m.test(ran.stdout)

export const noStackTrace = (ran: Ran): void => {
  expect(ran.stderr).not.toMatch(/^\s+at /m)
  expect(ran.stdout).not.toMatch(/^\s+at /m)
}
