/**
 * `rtsp-harness` end to end, as users run it (dist/harness/bin.js in its own process), against
 * our server on port 0: play (UDP, TCP, PNG frames equal to the source pixels), the built-in
 * scenarios, a 50-client load with its HTML report, conformance, and bad input that must end in
 * one clear line and a non-zero exit, never a stack trace.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { Effect, Exit, Scope } from "effect"
import type * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import sharp from "sharp"
import { readFrameNumber } from "../../src/video/frameCode.js"
import { fakeTcpServer } from "../support/fakeRtspServer.js"
import { harness, noStackTrace } from "../support/harnessProcess.js"
import { sampleFrames } from "../support/gstRtspServer.js"
import { startTestServer, type TestServer } from "../support/testServer.js"

let server: TestServer
let work: string
beforeAll(async () => {
  server = await startTestServer()
  work = mkdtempSync(join(tmpdir(), "harness-cli-"))
})
afterAll(async () => {
  await server.close()
  rmSync(work, { recursive: true, force: true })
})

describe("rtsp-harness play", () => {
  it("plays over UDP and writes PNG frames that decode to the source frames' pixels", async () => {
    const dir = join(work, "frames")
    const sheet = join(work, "sheet.png")
    const ran = await harness(["play", server.url(), "--duration", "2s", "--dump-dir", dir, "--dump-every", "10", "--contact-sheet", sheet, "--json"])
    expect(ran.code).toBe(0)
    const result = JSON.parse(ran.stdout) as Record<string, unknown>
    expect(result).toMatchObject({ ok: true, transport: "udp", packetsLost: 0, framesDropped: 0, timestampsConsistent: true })
    expect(result.framesReceived).toBeGreaterThanOrEqual(30)
    expect(typeof result.jitterMs).toBe("number")
    expect(typeof result.startupMs).toBe("number")
    expect(result.intervalMs).toMatchObject({ p50: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number), max: expect.any(Number) })
    const files = readdirSync(dir).sort()
    expect(files.slice(0, 3)).toEqual(["frame-000000.png", "frame-000010.png", "frame-000020.png"])
    expect(result.pngWritten).toBe(files.length)
    const source = sampleFrames()
    for (const file of files) {
      const png = await sharp(join(dir, file)).raw().toBuffer({ resolveWithObject: true })
      const shown = readFrameNumber(png.data, png.info.width, png.info.height, png.info.channels)
      // Played from the start with nothing lost: received frame k is source frame k.
      expect(shown).toBe(Number(/\d+/.exec(file)?.[0]))
      const expected = await sharp(source[shown ?? -1]).raw().toBuffer()
      expect(png.data.equals(expected)).toBe(true)
    }
    const meta = await sharp(sheet).metadata()
    expect(meta.format).toBe("png")
  })

  it("plays over TCP interleaved and prints the table", async () => {
    const ran = await harness(["play", server.url(), "--duration", "1500ms", "--transport", "tcp"])
    expect(ran.code).toBe(0)
    expect(ran.stdout).toMatch(/transport\s+tcp/)
    expect(ran.stdout).toMatch(/packets received\s+\d+\s+\(lost 0, 0\.00 %/)
    expect(ran.stdout).toMatch(/RTSP reply time\s+DESCRIBE/)
  })
})

describe("rtsp-harness run", () => {
  for (const name of ["smoke", "pause-resume", "seek", "classic-lab"]) {
    it(`built-in scenario ${name}: every expectation holds against our server`, async () => {
      const ran = await harness(["run", name, "--url", server.url(), "--json"])
      const result = JSON.parse(ran.stdout) as { ok: boolean; checks: ReadonlyArray<{ ok: boolean; name: string; actual: string }> }
      expect(result.checks.filter((c) => !c.ok)).toEqual([])
      expect(result.ok).toBe(true)
      expect(ran.code).toBe(0)
    })
  }

  it("a scenario whose expectation fails exits 1 and says which", async () => {
    const file = join(work, "strict.json")
    writeFileSync(file, JSON.stringify({
      url: server.url(),
      steps: [{ step: "setup" }, { step: "play" }, { step: "wait", duration: "500ms" }, { step: "teardown" }],
      expect: { frames: { min: 1000 } }
    }))
    const ran = await harness(["run", file])
    expect(ran.code).toBe(1)
    expect(ran.stdout).toMatch(/FAIL\s+frames \(min\)\s+expected >= 1000/)
    expect(ran.stdout).toContain("1 of 2 expectations failed")
  })
})

describe("rtsp-harness load", () => {
  it("50 clients from one process: all up, no loss, a self-contained HTML report", async () => {
    const report = join(work, "load.html")
    const ran = await harness(["load", server.url(), "--clients", "50", "--duration", "3s", "--ramp-up", "1s", "--json", "--report", report], 60_000)
    const result = JSON.parse(ran.stdout) as Record<string, unknown>
    expect(result).toMatchObject({ ok: true, clients: 50, clientsOk: 50, clientsFailed: 0, framesDropped: 0 })
    expect(result.lossPct).toBeLessThan(1)
    expect(result.framesReceived).toBeGreaterThanOrEqual(50 * 40)
    expect(ran.code).toBe(0)
    // Not a terminal: progress comes as plain lines on stderr.
    expect(ran.stderr).toMatch(/clients \d+\/50 playing/)
    const html = readFileSync(report, "utf8")
    expect(html).toMatch(/^<!doctype html>/i)
    expect(html).toContain("<svg")
    expect(html).not.toMatch(/(src|href)="https?:/)
  })
})

describe("rtsp-harness conformance", () => {
  it("every check passes against our server (exit 0)", async () => {
    const ran = await harness(["conformance", server.url(), "--json"])
    const report = JSON.parse(ran.stdout) as { ok: boolean; failed: number; passed: number }
    expect(report).toMatchObject({ ok: true, failed: 0 })
    expect(report.passed).toBeGreaterThanOrEqual(25)
    expect(ran.code).toBe(0)
  })
})

/** fakeTcpServer for a promise-style test: the port, and a close that ends its scope. */
const fakeServer = async (onConnection: (socket: net.Socket) => void): Promise<{ port: number; close: () => Promise<void> }> => {
  const scope = await Effect.runPromise(Scope.make())
  const port = await Effect.runPromise(fakeTcpServer(onConnection).pipe(Scope.extend(scope)))
  return { port, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

describe("rtsp-harness bad input: one clear line, non-zero exit, no stack trace", () => {
  it("a refused connection", async () => {
    const ran = await harness(["play", "rtsp://127.0.0.1:1/movie.Mjpeg", "--duration", "1s"])
    expect(ran.code).toBe(1)
    expect(ran.stderr.trim()).toBe("error: cannot connect to 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1")
    noStackTrace(ran)
  })

  it("a URL without a path, and one that is not rtsp://", async () => {
    for (const url of ["rtsp://127.0.0.1:8554", "http://127.0.0.1/movie.Mjpeg"]) {
      const ran = await harness(["play", url])
      expect(ran.code).not.toBe(0)
      expect(ran.stdout + ran.stderr).toMatch(url.startsWith("http") ? /not an rtsp:\/\/ URL/ : /the URL has no path/)
      noStackTrace(ran)
    }
  })

  it("a server that answers garbage, and one that answers nothing", async () => {
    const garbage = await fakeServer((socket) => socket.on("data", () => socket.write("HTTP/1.1 200 OK\r\n\r\n\x00\x01garbage\r\n\r\n")))
    const silent = await fakeServer(() => undefined)
    try {
      const a = await harness(["play", `rtsp://127.0.0.1:${garbage.port}/movie.Mjpeg`, "--duration", "1s", "--timeout", "1s"])
      expect(a.code).toBe(1)
      expect(a.stderr.trim().split("\n")).toHaveLength(1)
      expect(a.stderr).toMatch(/^error: /)
      noStackTrace(a)
      const b = await harness(["play", `rtsp://127.0.0.1:${silent.port}/movie.Mjpeg`, "--duration", "1s", "--timeout", "1s"])
      expect(b.code).toBe(1)
      expect(b.stderr.trim()).toMatch(/^error: DESCRIBE rtsp:\/\/127\.0\.0\.1:\d+\/movie\.Mjpeg: no response in 1000 ms$/)
      noStackTrace(b)
    } finally {
      await garbage.close()
      await silent.close()
    }
  })

  it("--threads that is not a whole number from 1 to 64 is refused before anything runs", async () => {
    for (const threads of ["0", "1.5", "-2", "two", "65"]) {
      const ran = await harness(["load", server.url(), "--clients", "2", "--threads", threads])
      expect(ran.code).toBe(1)
      expect(ran.stderr.trim()).toBe("--threads must be a whole number from 1 to 64")
      expect(ran.stdout).toBe("")
      noStackTrace(ran)
    }
  })

  it("a bad scenario file names the path and the problem", async () => {
    const file = join(work, "bad.json")
    writeFileSync(file, JSON.stringify({ url: server.url(), steps: [{ step: "wait", duration: "soon" }], clients: 0 }))
    const ran = await harness(["run", file])
    expect(ran.code).toBe(2)
    expect(ran.stderr).toContain(`error: ${file}: steps[0].duration:`)
    expect(ran.stderr).toContain(`error: ${file}: clients:`)
    noStackTrace(ran)
    const missing = await harness(["run", join(work, "missing.json")])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/^error: cannot read the scenario/)
  })
})
