/**
 * serve --impair and --impairments (RTSP_IMPAIR, RTSP_IMPAIRMENTS): how they are read, the start
 * errors a bad profiles file or a bad --impair gets (naming the file, the path in it and the
 * problem), and, on the real server in its own process, the profile a session ends up with.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { noStackTrace, runProcess } from "../support/harnessProcess.js"
import { waitUntilAsync } from "../support/polling.js"
import { connectClient, sessionIdOf } from "../support/rtspTestClient.js"
import { cli } from "./runCli.js"
import { expectRefused, serve } from "./serveKit.js"

const folder = mkdtempSync(join(tmpdir(), "effect-rtsp-impair-"))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

/** Writes `text` to a file of the test's folder; its path. */
const fileWith = (name: string, text: string): string => {
  const path = join(folder, name)
  writeFileSync(path, text)
  return path
}

const profilesJson = (profiles: Record<string, Record<string, string | number>>): string => JSON.stringify({ profiles })

const goodFile = fileWith("good.json", profilesJson({
  "flaky-lab": { impair: "lossy-wifi", loss: "5%", seed: 7 },
  "slow-link": { delay: "40ms", jitter: "5ms", bandwidth: 800 }
}))

const LOCAL = ["--host", "127.0.0.1", "--port", "0", "--rtp-port", "0"]

/** `effect-rtsp serve <args>` in-process, on the real file system, to its exit (a start error). */
const serveInProcess = (args: ReadonlyArray<string>) => cli("serve", ...LOCAL, "--log-level", "none", ...args)

/** `effect-rtsp serve <args>` run to its exit (a start error), as users run it. */
const serveToExit = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}) =>
  runProcess(process.execPath, ["dist/src/cli/bin.js", "serve", ...LOCAL, ...args], 20_000, { ...process.env, ...env }, `serve ${args.join(" ")}`)

interface RunningServer {
  readonly port: number
  readonly stderr: () => string
  /** SIGTERM (a cluster's primary stops its workers), SIGKILL if it is still there after 10 s. */
  readonly stop: () => Promise<void>
}

/** `effect-rtsp serve <args>` in its own process, once its ready line says where it listens. */
const startServe = async (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}): Promise<RunningServer> => {
  const child: ChildProcess = spawn(process.execPath, ["dist/src/cli/bin.js", "serve", ...LOCAL, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ...env }
  })
  let stderr = ""
  child.stderr?.on("data", (chunk: Buffer) => { stderr += chunk.toString() })
  const listening = () => /RTSP server listening on [^:]+:(\d+)/.exec(stderr)
  const ready = await waitUntilAsync(() => listening() !== null || child.exitCode !== null, 20_000)
  const port = listening()?.[1]
  if (!ready || port === undefined) {
    child.kill("SIGKILL")
    throw new Error(`serve ${args.join(" ")} did not start:\n${stderr}`)
  }
  const stop = async () => {
    child.kill("SIGTERM")
    if (!(await waitUntilAsync(() => child.exitCode !== null || child.signalCode !== null, 10_000))) child.kill("SIGKILL")
  }
  return { port: Number(port), stderr: () => stderr, stop }
}

/**
 * DESCRIBE (with `query`), SETUP over TCP without it (as players build it from Content-Base),
 * then GET_PARAMETER impairment-stats: the server's answer for the session.
 */
const impairmentStatsOf = async (port: number, query: string): Promise<string> => {
  const client = await connectClient(port)
  try {
    const base = `rtsp://127.0.0.1:${port}/movie.Mjpeg`
    const described = await client.request("DESCRIBE", `${base}${query}`)
    expect(described.statusCode, described.body.toString()).toBe(200)
    const setup = await client.request("SETUP", `${base}/streamid=0`, { Transport: "RTP/AVP/TCP;unicast;interleaved=0-1" })
    expect(setup.statusCode, setup.body.toString()).toBe(200)
    // Sent whole: request() carries no body.
    const body = "impairment-stats\r\n"
    client.send(`GET_PARAMETER ${base} RTSP/1.0\r\nCSeq: 100\r\nSession: ${sessionIdOf(setup)}\r\nContent-Type: text/parameters\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
    const stats = await client.nextResponse()
    expect(stats.statusCode).toBe(200)
    return stats.body.toString()
  } finally {
    client.close()
  }
}

describe("effect-rtsp serve --impair / --impairments: the command line", () => {
  it.effect("takes both flags, and RTSP_IMPAIR and RTSP_IMPAIRMENTS, the flag winning", () =>
    Effect.gen(function*() {
      const flags = yield* serve(["--impair", "lossy-wifi", "--impairments", "lab.json"])
      expect(flags.settings?.server).toMatchObject({ impair: "lossy-wifi", impairmentsFile: "lab.json" })
      const env = yield* serve([], { RTSP_IMPAIR: "loss=2%&seed=7", RTSP_IMPAIRMENTS: "env.json" })
      expect(env.settings?.server).toMatchObject({ impair: "loss=2%&seed=7", impairmentsFile: "env.json" })
      const flagWins = yield* serve(["--impair", "bursty"], { RTSP_IMPAIR: "satellite" })
      expect(flagWins.settings?.server.impair).toBe("bursty")
      const neither = yield* serve([])
      expect([neither.settings?.server.impair, neither.settings?.server.impairmentsFile]).toEqual([undefined, undefined])
    }))

  it.effect.each([
    [["--impair", " "], {}, "--impair (RTSP_IMPAIR): must not be empty"],
    [["--impairments", ""], {}, "--impairments (RTSP_IMPAIRMENTS): must not be empty"],
    [[], { RTSP_IMPAIRMENTS: "" }, "--impairments (RTSP_IMPAIRMENTS): must not be empty"]
  ] as const)("refuses %j %j", ([args, env, message]) =>
    expectRefused(args, message, env))

  it.effect("lists both flags and their variables in --help", () =>
    Effect.gen(function*() {
      const result = yield* cli("serve", "--help")
      for (const text of ["--impair", "RTSP_IMPAIR", "--impairments", "RTSP_IMPAIRMENTS"]) expect(result.stdout).toContain(text)
    }))
})

describe("effect-rtsp serve: a bad impairment setting stops the start", () => {
  const badFiles = [
    // What follows the file's path in the message.
    ["a file that is not JSON", "not-json.json", "{ \"profiles\": { \"flaky\": { \"loss\": \"2%\", } } }", " is not JSON: "],
    ["loss 150 %", "loss.json", profilesJson({ flaky: { loss: "150%" } }), ": profiles.flaky.loss: 150% is above 100%"],
    ["an unknown knob", "knob.json", profilesJson({ flaky: { los: "2%" } }), ": profiles.flaky.los: unknown knob (did you mean loss?)"],
    ["a negative delay", "delay.json", profilesJson({ flaky: { delay: "-5ms" } }), ": profiles.flaky.delay: -5ms is negative"],
    ["a seed that is not a number", "seed.json", profilesJson({ flaky: { seed: "seven" } }), ": profiles.flaky.seed: \"seven\" is not a whole number"]
  ] as const

  it.effect.each(badFiles)("%s: exits 1 naming the file, the path in it and the problem", ([, name, text, problem]) =>
    Effect.gen(function*() {
      const path = fileWith(name, text)
      const result = yield* serveInProcess(["--impairments", path])
      expect(result.code, result.stderr).toBe(1)
      expect(result.stderr).toContain(`error: ${path}${problem}`)
    }))

  it("the same in its own process: exit status 1, one clear message, no stack trace", async () => {
    const path = fileWith("not-json-either.json", "not json\n")
    const ran = await serveToExit(["--impairments", path])
    expect(ran.code, ran.stderr).toBe(1)
    expect(ran.stderr).toContain(`error: ${path} is not JSON: `)
    // One line, though JSON.parse's message quotes the file's line break.
    expect(ran.stderr.trim().split("\n")).toHaveLength(1)
    expect(ran.stderr).not.toContain("RTSP server listening")
    noStackTrace(ran)
  })

  it.effect("lists every problem of a file, one line each under a heading", () =>
    Effect.gen(function*() {
      const path = fileWith("several.json", profilesJson({ a: { loss: "150%" }, b: { delay: "-5ms", seed: "x" } }))
      const result = yield* serveInProcess(["--impairments", path])
      expect(result.code).toBe(1)
      expect(result.stderr).toBe([
        `error: impairments file ${path} has 3 problems:`,
        `  ${path}: profiles.a.loss: 150% is above 100%`,
        `  ${path}: profiles.b.delay: -5ms is negative`,
        `  ${path}: profiles.b.seed: "x" is not a whole number from 0 to 4294967295`
      ].join("\n"))
    }))

  it("a missing file, named", async () => {
    const path = join(folder, "no-such.json")
    const ran = await serveToExit([], { RTSP_IMPAIRMENTS: path })
    expect(ran.code).toBe(1)
    expect(ran.stderr).toContain(`error: impairments file ${path}: no such file`)
    noStackTrace(ran)
  })

  it.effect.each([
    [["--impair", "nonsense"], "error: impair nonsense: no profile named \"nonsense\" (known: lossy-wifi, congested-lte, satellite, bursty, reorder-heavy, flaky-connection, slow-server)"],
    [["--impair", "loss=150%"], "error: impair loss=150%: loss 150% is above 100%"],
    // A file's profile is a name only with the file.
    [["--impair", "flaky-lab"], "error: impair flaky-lab: no profile named \"flaky-lab\""],
    [["--impair", "nonsense", "--impairments", goodFile], "(known: lossy-wifi, congested-lte, satellite, bursty, reorder-heavy, flaky-connection, slow-server, flaky-lab, slow-link)"]
  ] as const)("%j: a clear start error", ([args, message]) =>
    Effect.gen(function*() {
      const result = yield* serveInProcess(args)
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(message)
    }))

  it("with --workers 2, the primary refuses a bad file once, before forking", async () => {
    const path = fileWith("cluster.json", profilesJson({ flaky: { loss: "150%" } }))
    const ran = await serveToExit(["--workers", "2", "--impairments", path])
    expect(ran.code).toBe(1)
    expect(ran.stderr).toContain(`error: ${path}: profiles.flaky.loss: 150% is above 100%`)
    expect(ran.stderr).not.toContain("starting 2 workers")
  })
})

describe("effect-rtsp serve: the profile a session gets", () => {
  it("a session asking ?impair=<a file's profile> gets it; one asking for none is left alone", async () => {
    const server = await startServe(["--impairments", goodFile])
    try {
      expect(server.stderr()).toContain(`impairment profiles from ${goodFile}: flaky-lab, slow-link`)
      const stats = await impairmentStatsOf(server.port, "?impair=flaky-lab")
      expect(stats).toContain("profile: flaky-lab\r\n")
      expect(stats).toContain("seed: 7\r\n")
      expect(await impairmentStatsOf(server.port, "")).toBe("profile: none\r\n")
    } finally {
      await server.stop()
    }
  })

  it("--impair lossy-wifi: a session with no query gets lossy-wifi, one asking for another profile gets that", async () => {
    const server = await startServe(["--impair", "lossy-wifi"])
    try {
      expect(server.stderr()).toContain("every session that asks for no impairment gets lossy-wifi")
      expect(await impairmentStatsOf(server.port, "")).toContain("profile: lossy-wifi\r\n")
      expect(await impairmentStatsOf(server.port, "?impair=satellite")).toContain("profile: satellite\r\n")
    } finally {
      await server.stop()
    }
  })

  it("RTSP_IMPAIR naming a profile of RTSP_IMPAIRMENTS, with --workers 2: every worker has the file's profiles", async () => {
    const server = await startServe(["--workers", "2"], { RTSP_IMPAIR: "slow-link", RTSP_IMPAIRMENTS: goodFile })
    try {
      expect(server.stderr()).toContain(`worker 0: impairment profiles from ${goodFile}: flaky-lab, slow-link`)
      expect(server.stderr()).toContain(`worker 1: impairment profiles from ${goodFile}: flaky-lab, slow-link`)
      // Connections land on either worker: several sessions, every one under the file's profile.
      for (let i = 0; i < 4; i++) {
        expect(await impairmentStatsOf(server.port, "")).toContain("profile: slow-link\r\n")
        expect(await impairmentStatsOf(server.port, "?impair=flaky-lab")).toContain("profile: flaky-lab\r\n")
      }
    } finally {
      await server.stop()
    }
  })
})
