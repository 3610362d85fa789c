/**
 * `rtsp-harness web` as users run it (dist/harness/bin.js in its own process): it prints where
 * the page is, serves it with --default-url in the field, and SIGINT ends it cleanly, with the
 * tabs' RTSP sessions torn down. Bad options end in one clear line and exit 1.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type ChildProcessByStdio, spawn } from "node:child_process"
import type { Readable } from "node:stream"
import { startTestServer, type TestServer } from "../../support/testServer.js"
import { waitUntilAsync as eventually } from "../../support/polling.js"

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server.close()
})

type Child = ChildProcessByStdio<null, Readable, Readable>

const start = (args: ReadonlyArray<string>): { child: Child; output: () => string; exited: Promise<number | null> } => {
  const child = spawn(process.execPath, ["dist/harness/bin.js", "web", ...args], { stdio: ["ignore", "pipe", "pipe"] })
  let output = ""
  child.stdout.on("data", (c: Buffer) => (output += c.toString()))
  child.stderr.on("data", (c: Buffer) => (output += c.toString()))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  return { child, output: () => output, exited }
}

/** Resolves with the value, or rejects after `ms` (killing nothing: the caller does). */
const within = <A>(promise: Promise<A>, ms: number, what: string): Promise<A> =>
  Promise.race([promise, new Promise<A>((_, reject) => setTimeout(() => reject(new Error(`${what}: over ${ms} ms`)), ms))])


describe("rtsp-harness web", () => {
  it("prints the page's address, serves it, and stops on SIGINT with the RTSP sessions torn down", async () => {
    const run = start(["--port", "0", "--default-url", server.url()])
    try {
      expect(await eventually(() => /web player on http:\/\/127\.0\.0\.1:\d+\//.test(run.output()), 15_000)).toBe(true)
      const url = /web player on (http:\/\/\S+)/.exec(run.output())?.[1] ?? ""
      const page = await (await fetch(url)).text()
      expect(page).toContain(`value="${server.url()}"`)
      const setup = await fetch(`${url}api/sessions/cli0test0page0id/setup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ url: server.url(), transport: "tcp" })
      })
      expect(setup.status).toBe(200)
      expect(server.info.sessions()).toHaveLength(1)
      run.child.kill("SIGINT")
      await within(run.exited, 5000, "exit after SIGINT")
      expect(run.child.exitCode).toBe(0)
      expect(await eventually(() => server.info.sessions().length === 0, 3000)).toBe(true)
      expect(run.output()).not.toMatch(/^\s+at /m)
    } finally {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL")
    }
  })

  it("refuses a --default-url that is not an rtsp:// URL, in one line", async () => {
    const run = start(["--default-url", "http://example/movie"])
    try {
      expect(await within(run.exited, 15_000, "exit")).toBe(1)
      expect(run.output()).toContain("--default-url: not an rtsp:// URL")
      expect(run.output()).not.toMatch(/^\s+at /m)
    } finally {
      if (run.child.exitCode === null) run.child.kill("SIGKILL")
    }
  })
})
