/**
 * `rtsp-harness conformance --dialect classic` as a teacher runs it (dist/harness/bin.js in its own
 * process): --json against our server, --report against a broken lab server, --targets over a good,
 * a broken and an unreachable server into one table and one HTML page, and flags that do not go
 * together: one clear line, exit status 1, never a stack trace.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { CLASSIC_CHECKS, type ClassicBatchReport, type ClassicReport } from "../../../../harness/conformance/index.js"
import { refusedPort } from "../../../support/fakeRtspServer.js"
import { harness, noStackTrace, type Ran } from "../../../support/harnessProcess.js"
import { startTestServer, type TestServer } from "../../../support/testServer.js"
import { fakeLabServer } from "./fakeLabServer.js"

/** `rtsp-harness conformance --dialect classic …`; killed (and failing the test) after 40 s. */
const grade = (args: ReadonlyArray<string>): Promise<Ran> => harness(["conformance", "--dialect", "classic", ...args], 40_000)

let server: TestServer
let broken: { readonly url: string; readonly scope: Scope.CloseableScope }
let work: string
beforeAll(async () => {
  server = await startTestServer()
  const scope = await Effect.runPromise(Scope.make())
  // Frames at 30 fps: only the pacing check fails.
  const port = await Effect.runPromise(fakeLabServer({ framePeriodMs: 1000 / 30 }).pipe(Scope.extend(scope)))
  broken = { url: `rtsp://127.0.0.1:${port}/movie.Mjpeg`, scope }
  work = mkdtempSync(join(tmpdir(), "classic-grader-"))
})
afterAll(async () => {
  await server.close()
  await Effect.runPromise(Scope.close(broken.scope, Exit.void))
  rmSync(work, { recursive: true, force: true })
})

describe("rtsp-harness conformance --dialect classic", () => {
  it("--json against our server: one object with the score and every check, exit 0", async () => {
    const ran = await grade([server.url(), "--play", "1s", "--json"])
    const report = JSON.parse(ran.stdout) as ClassicReport
    const total = CLASSIC_CHECKS.length
    expect(report).toMatchObject({ url: server.url(), dialect: "classic", ok: true, fps: 20, passed: total, failed: 0, skipped: 0, score: { passed: total, total, percent: 100 } })
    expect(report.checks.map((c) => c.id)).toEqual(CLASSIC_CHECKS.map((c) => c.id))
    for (const c of report.checks) {
      expect(c).toMatchObject({ status: "PASS", name: expect.any(String), expected: expect.any(String), actual: expect.any(String), elapsedMs: expect.any(Number) })
    }
    expect(report.measurements).toMatchObject({ datagrams: expect.any(Number), largestDatagramBytes: expect.any(Number), medianIntervalMs: expect.any(Number) })
    expect(report.measurements?.intervals[0]).toEqual({ atMs: expect.any(Number), intervalMs: expect.any(Number), play: 1 })
    expect(report.measurements?.intervals.at(-1)?.play).toBe(2)
    expect(ran.code).toBe(0)
  }, 60_000)

  it("--report against a broken lab server writes the HTML with every check; the table names the fault; exit 1", async () => {
    const file = join(work, "grade.html")
    const ran = await grade([broken.url, "--play", "1s", "--report", file])
    expect(ran.code).toBe(1)
    expect(ran.stdout).toContain(`Classic lab grade of ${broken.url} (pacing judged at 20 fps)`)
    expect(ran.stdout).toMatch(/FAIL\s+Frames paced at the file's rate\s+median interval 50 ms/)
    expect(ran.stdout).toContain(`Score: ${CLASSIC_CHECKS.length - 1}/${CLASSIC_CHECKS.length}`)
    expect(ran.stdout).toContain("failed: pacing")
    expect(ran.stdout.trim().split("\n").at(-1)).toBe(`report: ${file}`)
    const html = readFileSync(file, "utf8")
    for (const { id } of CLASSIC_CHECKS) expect(html).toContain(`<code>${id}</code>`)
    expect(html).toContain(broken.url)
    expect(html).toContain("median interval 50 ms (20 fps) ±20%: 40–60 ms")
    expect(html).not.toMatch(/<script/i)
    noStackTrace(ran)
  }, 60_000)

  it("--targets with a good, a broken and an unreachable server: one table, one HTML, exit 1", async () => {
    const refused = await Effect.runPromise(refusedPort())
    const unreachable = `rtsp://127.0.0.1:${refused}/movie.Mjpeg`
    const list = join(work, "targets.txt")
    writeFileSync(list, `# the lab group\n${server.url()}\n\n${broken.url}   # Bob\n${unreachable}\n`)
    const file = join(work, "batch.html")
    const ran = await grade(["--targets", list, "--play", "1s", "--timeout", "2s", "--report", file])
    expect(ran.code).toBe(1)
    const lines = ran.stdout.trim().split("\n")
    expect(lines[0]).toBe("Classic lab grades: 3 servers")
    const rowOf = (url: string) => lines.find((l) => l.startsWith(url)) ?? ""
    const total = CLASSIC_CHECKS.length
    expect(rowOf(server.url())).toMatch(new RegExp(`\\s${total}/${total}\\s+-$`))
    expect(rowOf(broken.url)).toMatch(new RegExp(`\\s${total - 1}/${total}\\s+pacing$`))
    expect(rowOf(unreachable)).toMatch(new RegExp(`\\s0/${total}\\s+unreachable: cannot connect to 127\\.0\\.0\\.1:${refused}`))
    expect(ran.stdout).toContain("1 of 3 got full score")
    expect(ran.stderr).toContain(`graded 3/3: ${unreachable} 0/${total}`)
    const html = readFileSync(file, "utf8")
    expect(html.match(/<section class="server"/g)).toHaveLength(3)
    expect(html).toContain("1 of 3 got full score")
    noStackTrace(ran)

    const json = await grade(["--targets", list, "--play", "1s", "--timeout", "2s", "--json"])
    const batch = JSON.parse(json.stdout) as ClassicBatchReport
    expect(batch).toMatchObject({ dialect: "classic", ok: false, fullScore: 1 })
    expect(batch.servers.map((s) => [s.url, s.score.passed])).toEqual([[server.url(), total], [broken.url, total - 1], [unreachable, 0]])
    expect(json.code).toBe(1)
  }, 120_000)

  it("one unreachable server is one error line, exit 1", async () => {
    const ran = await grade(["rtsp://127.0.0.1:1/movie.Mjpeg"])
    expect(ran.code).toBe(1)
    expect(ran.stderr.trim()).toBe("error: cannot connect to 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1")
    expect(ran.stdout).toBe("")
  })

  it("flags that do not go together: one clear line, exit 1, no stack trace", async () => {
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
      [[server.url(), "--transport", "tcp"], "error: --transport tcp: the classic dialect sends RTP over UDP only"],
      [[], "error: --dialect classic grades either one <url> or the servers of --targets FILE"],
      [[server.url(), "--fps", "0"], "error: --fps 0: a frame rate must be above 0"]
    ]
    for (const [args, line] of cases) {
      const ran = await grade(args)
      expect(ran.code, args.join(" ")).toBe(1)
      expect(ran.stderr.trim()).toBe(line)
      noStackTrace(ran)
    }
  })

  it("the standard dialect refuses the classic-only flags, and still needs its URL", async () => {
    const standard = (args: ReadonlyArray<string>) => harness(["conformance", ...args], 10_000)
    const report = await standard([server.url(), "--report", join(work, "x.html")])
    expect(report).toMatchObject({ code: 1, stderr: "error: --report: only with --dialect classic\n" })
    const noUrl = await standard([])
    expect(noUrl).toMatchObject({ code: 1, stderr: "error: a URL is required, e.g. rtsp://127.0.0.1:8554/movie.Mjpeg\n" })
  })
})
