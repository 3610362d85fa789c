/** The built `rtsp-harness` (dist/harness/bin.js) in its own process, as users run it. */
import { spawn } from "node:child_process"
import { expect } from "@effect/vitest"

export interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the built harness; killed (and failing the test) after `timeoutMs`. */
export const harness = (args: ReadonlyArray<string>, timeoutMs = 30_000): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["dist/harness/bin.js", ...args], { stdio: ["ignore", "pipe", "pipe"] })
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

export const noStackTrace = (ran: Ran): void => {
  expect(ran.stderr).not.toMatch(/^\s+at /m)
  expect(ran.stdout).not.toMatch(/^\s+at /m)
}
