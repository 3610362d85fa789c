import { FileSystem } from "@effect/platform"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { join } from "node:path"
import sharp from "sharp"
import { aggregateSessions } from "../../../harness/metrics/aggregate.js"
import { fmt, type ReportInput, renderHtmlReport, ReportError, verdictOf, writeHtmlReport } from "../../../harness/report/html.js"
import { fakeRun } from "./fixtures.js"

const HOSTILE = "<script>alert(1)</script>"

const svgsOf = (html: string): ReadonlyArray<string> => [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0])

const count = (text: string, needle: string): number => text.split(needle).length - 1

/** No network, no script, no outside files: every reference a browser could follow. */
const expectSelfContained = (html: string): void => {
  // Attributes inside tags only: escaped input text may spell "src=" harmlessly.
  expect(html).not.toMatch(/<[^>]*\s(src|href|xlink:href|action|poster|srcset)\s*=/i)
  expect(html).not.toMatch(/https?:\/\//i)
  expect(html).not.toMatch(/<script|<link|<iframe|<img|@import|url\(/i)
}

const checks = [
  { name: "fpsMin", ok: true, expected: "≥ 19 fps", actual: "19.98 fps" },
  { name: "lossMaxPct", ok: false, expected: "≤ 0.1 %", actual: "1.07 %" }
]

describe("renderHtmlReport", () => {
  it("is one self-contained document with every section", () => {
    const input = fakeRun(3, 200, { failEvery: 3, checks })
    const html = renderHtmlReport(input)
    expect(html.startsWith("<!DOCTYPE html>\n<html lang=\"en\">")).toBe(true)
    expect(html.trimEnd().endsWith("</html>")).toBe(true)
    expect([count(html, "<html"), count(html, "</html>"), count(html, "<body"), count(html, "<style>")]).toEqual([1, 1, 1, 1])
    expectSelfContained(html)
    for (const section of ["Key figures", "Checks", "Failures", "Charts", "Inter-frame intervals", "RTP jitter", "Packet loss per client", "Per-client results"]) {
      expect(html).toContain(section)
    }
    expect(html).toContain("FAIL: 1 of 2 checks failed")
    expect(count(html, "<svg")).toBe(4)
    // The command line is shown verbatim (escaped only).
    expect(html).toContain(`<pre><code>${input.command}</code></pre>`)
  })

  it("shows the key figures of the aggregate", () => {
    const input = fakeRun(5, 100, { failEvery: 5, failureReason: "connect-refused" })
    const html = renderHtmlReport(input)
    const a = input.aggregate
    expect(a.clientsFailed).toBe(1)
    expect(html).toContain(`${a.clientsOk} / ${a.clients}`)
    expect(html).toContain(`${fmt(a.fps?.mean, 2)} fps`)
    expect(html).toContain(`min ${fmt(a.fps?.min, 2)} fps`)
    expect(html).toContain(`${fmt(a.lossPct, 2)} %`)
    expect(html).toContain(`${fmt(a.jitterMs?.mean, 2)} ms`)
    expect(html).toContain(`max ${fmt(a.jitterMs?.max, 2)} ms`)
    expect(html).toContain(`${fmt(a.startupMs?.p50, 0)} ms`)
    expect(html).toContain(`p99 ${fmt(a.startupMs?.p99, 0)} ms`)
    expect(html).toContain(`p95 ${fmt(a.intervalMs?.p95, 1)}, p99 ${fmt(a.intervalMs?.p99, 1)}, max ${fmt(a.intervalMs?.max, 1)}`)
    expect(html).toMatch(/<td>connect-refused<\/td><td class="num">1<\/td>/)
    expect(html).toContain("1 of 5 clients failed")
  })

  it("escapes every string from the input", () => {
    const base = fakeRun(2, 20, { failEvery: 2, failureReason: HOSTILE })
    const sessions = base.sessions.map((s, i) => (i === 0 ? { ...s, id: `<img src=x onerror=alert(2)>` } : s))
    const input: ReportInput = {
      ...base,
      title: `</title>${HOSTILE}`,
      url: `rtsp://h/"><svg onload=alert(3)>`,
      command: `rtsp-harness run '<b>x</b>' && echo "&"`,
      startedAt: HOSTILE,
      sessions,
      checks: [{ name: HOSTILE, ok: false, expected: "<i>", actual: "</td>" }]
    }
    const html = renderHtmlReport(input)
    expect(html).not.toContain("<script")
    expect(html).not.toContain("<img")
    expect(html).not.toContain("<svg onload")
    expect(html).not.toContain("<b>x</b>")
    expect(html).not.toContain("<i>")
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;")
    expect(html).toContain("&lt;img src=x onerror=alert(2)&gt;")
    expect(html).toContain("rtsp://h/&quot;&gt;&lt;svg onload=alert(3)&gt;")
    expect(html).toContain("rtsp-harness run &#39;&lt;b&gt;x&lt;/b&gt;&#39; &amp;&amp; echo &quot;&amp;&quot;")
    expect(html).toContain("<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>")
    expect(count(html, "</title>")).toBe(count(html, "<title>"))
    expectSelfContained(html)
  })

  it("1,000 sessions × 200 frames: under 2 MB, pooled charts, collapsed table", () => {
    const input = fakeRun(1000, 200, { failEvery: 50, failureReason: HOSTILE })
    const html = renderHtmlReport(input)
    expect(html.length).toBeLessThan(2_000_000)
    expectSelfContained(html)
    expect(html).toContain("1000 sessions pooled per second")
    expect(html).toContain("<details><summary>")
    expect(html).toContain("Per-client results: 1,000 clients, 20 failed")
    expect(count(html, "<tr class=\"fail\">")).toBe(20)
    for (const svg of svgsOf(html)) {
      expect(svg.length).toBeLessThan(150_000)
      for (const [, points] of svg.matchAll(/points="([^"]*)"/g)) expect((points ?? "").split(" ").length).toBeLessThanOrEqual(3000)
    }
  })

  it("a small run keeps the table open and draws a line per session", () => {
    const html = renderHtmlReport(fakeRun(3, 50))
    expect(html).not.toContain("<details>")
    expect(count(html, "<polyline")).toBe(6) // 3 interval lines + 3 jitter lines
    expect(html).toContain("All 3 clients ok (no expectations set)")
  })

  it("renders runs with no sessions, and a session with one frame and no jitter samples", async () => {
    const empty = renderHtmlReport({
      title: "nothing",
      url: "rtsp://127.0.0.1:1/x",
      command: "rtsp-harness play rtsp://127.0.0.1:1/x",
      startedAt: "2025-01-01T00:00:00.000Z",
      durationMs: 0,
      aggregate: aggregateSessions([]),
      sessions: []
    })
    expect(empty).toContain("No sessions ran")
    expect(count(empty, "no data")).toBe(4)
    expectSelfContained(empty)

    const one = renderHtmlReport({
      title: "one",
      url: "rtsp://127.0.0.1:1/x",
      command: "rtsp-harness play",
      startedAt: "2025-01-01T00:00:00.000Z",
      durationMs: 1000,
      aggregate: aggregateSessions([{ ok: false, failureReason: "timeout" }]),
      sessions: [{ id: "client 1", ok: false, failureReason: "timeout", framesReceived: 1, framesDropped: 0, lossPct: 0, fps: 0, jitterMs: 0, frameArrivalsMs: [40], jitterSeries: [] }]
    })
    expect(one).toContain("1 of 1 client failed")
    expect(one).toContain("0.00 % (failed)")
    // Every chart in the page is well-formed SVG (librsvg parses XML strictly).
    for (const svg of [...svgsOf(one), ...svgsOf(empty)]) {
      await sharp(Buffer.from(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" '))).png().toBuffer()
    }
  })

  it("verdict: checks decide; without checks, failed clients do", () => {
    const base = fakeRun(2, 10)
    expect(verdictOf({ ...base, checks: [checks[0]!] })).toEqual({ ok: true, text: "PASS: all 1 check passed" })
    expect(verdictOf({ ...base, checks })).toEqual({ ok: false, text: "FAIL: 1 of 2 checks failed" })
    expect(verdictOf(base).ok).toBe(true)
    expect(verdictOf(fakeRun(2, 10, { failEvery: 2 })).ok).toBe(false)
  })
})

describe("writeHtmlReport", () => {
  it.scoped("writes the rendered page, and a bad path is a typed error", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "effect-rtsp-report-" })
      const input = fakeRun(2, 20)
      const file = join(dir, "report.html")
      yield* writeHtmlReport(file, input)
      expect(yield* fs.readFileString(file)).toBe(renderHtmlReport(input))

      const bad = join(dir, "missing", "report.html")
      const error = yield* Effect.flip(writeHtmlReport(bad, input))
      expect(error).toBeInstanceOf(ReportError)
      expect(error).toMatchObject({ reason: "Write", path: bad })
      expect(error.message).toContain(bad)
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
