/**
 * The grader's pure parts with vectors: the lab client's exact request bytes and how its parser
 * reads replies, the targets file, the score, and the text and HTML views (escaped, self-contained).
 */
import { describe, expect, it } from "@effect/vitest"
import {
  CLASSIC_CHECKS,
  type ClassicReport,
  formatBatchTable,
  formatClassicGrade,
  isFullScore,
  parseTargets,
  renderClassicHtml,
  scoreOf
} from "../../../../harness/conformance/index.js"
import { batchOf } from "../../../../harness/conformance/classic/batch.js"
import { labClientReads, labSessionRequest, labSetupRequest, pythonInt, replyStatus } from "../../../../harness/conformance/classic/labClient.js"
import { layoutProblems } from "../../../../harness/conformance/classic/replyChecks.js"
import type { CheckResult } from "../../../../harness/conformance/types.js"

describe("the lab client's side of the wire", () => {
  it("requests are the exact bytes Client.py sends: \\n line ends, no final blank line, client_port= N", () => {
    expect(labSetupRequest("movie.Mjpeg", 1, 25000).toString("latin1")).toBe("SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 25000")
    expect(labSessionRequest("PLAY", "movie.Mjpeg", 2, "724553").toString("latin1")).toBe("PLAY movie.Mjpeg RTSP/1.0\nCSeq: 2\nSession: 724553")
    expect(labSessionRequest("TEARDOWN", "movie.Mjpeg", 5, "724553").toString("latin1")).toBe("TEARDOWN movie.Mjpeg RTSP/1.0\nCSeq: 5\nSession: 724553")
  })

  it("pythonInt accepts what Python's int() accepts on a str, and nothing else", () => {
    const cases: ReadonlyArray<readonly [string, number | undefined]> = [
      ["1", 1], [" 12\r", 12], ["+5", 5], ["-3", -3], ["1_000", 1000], ["007", 7],
      ["", undefined], ["1__0", undefined], ["12;timeout=60", undefined], ["0x10", undefined], ["1.0", undefined], ["OK", undefined]
    ]
    for (const [text, value] of cases) expect(pythonInt(text), JSON.stringify(text)).toBe(value)
  })

  it("labClientReads reads status, CSeq and Session by line position, as parseRtspReply does", () => {
    const cases: ReadonlyArray<readonly [string, ReturnType<typeof labClientReads>]> = [
      ["RTSP/1.0 200 OK\nCSeq: 1\nSession: 123456", { status: 200, cseq: 1, session: 123456 }],
      ["RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: 123456\r\n\r\n", { status: 200, cseq: 3, session: 123456 }],
      ["RTSP/1.0 200 OK\nCSeq:1\nSession: 123456", { status: 200, session: 123456 }],
      ["RTSP/1.0 200 OK\nCSeq:  1\nSession: 123456", { status: 200, session: 123456 }],
      ["RTSP/1.0 200 OK\nCSeq: 1\nSession: 123456;timeout=60", { status: 200, cseq: 1 }],
      ["RTSP/1.0 200 OK\nSession: 123456\nCSeq: 1", { status: 200, cseq: 123456, session: 1 }],
      ["RTSP/1.0 200 OK\nCSeq: 1", { status: 200, cseq: 1 }],
      ["200 OK\nCSeq: 1\nSession: 1", { cseq: 1, session: 1 }]
    ]
    for (const [reply, reading] of cases) expect(labClientReads(reply), JSON.stringify(reply)).toEqual(reading)
  })

  it("replyStatus reads the code leniently, for the steps' own checks", () => {
    expect(replyStatus("RTSP/1.0 404 Not Found\nCSeq: 1")).toBe(404)
    expect(replyStatus("\r\nRTSP/1.0  200 OK")).toBe(200)
    expect(replyStatus("200 OK\nCSeq: 1")).toBeUndefined()
  })

  it("layoutProblems names each misplaced line the way the client trips on it", () => {
    const reply = (text: string, pieces = 1) => ({ text, bytes: text.length, pieces, sentAtMs: 0, answeredAtMs: 1 })
    const exchange = (text: string, extra: { pieces?: number; stray?: number } = {}) => ({
      step: "PLAY" as const, cseq: 2, request: "", sentAtMs: 0, reply: reply(text, extra.pieces), strayBytesAfter: extra.stray ?? 0
    })
    expect(layoutProblems(exchange("RTSP/1.0 200 OK\r\nCSeq: 2\r\nSession: 123456\r\n\r\n"))).toEqual([])
    expect(layoutProblems(exchange("RTSP/1.0 200 OK\nCSeq: 2"))).toEqual([])
    expect(layoutProblems(exchange("RTSP/1.0 200 OK\nCSeq: 1\nSession: 123456"))).toEqual(['PLAY: line 2 is "CSeq: 1": the request\'s CSeq was 2, so the client ignores the reply'])
    expect(layoutProblems(exchange("RTSP/1.0 200 OK\nCSeq: 2\nSession:123456"))).toEqual(['PLAY: line 3 is "Session:123456", not "Session: <id>" (one space after the colon)'])
    expect(layoutProblems(exchange("RTSP/1.0 200 OK\nCSeq: 2\nSession: 1", { pieces: 2, stray: 40 }))).toEqual([
      "PLAY: came in 2 reads (write each reply at once: the client parses what one recv() returns)",
      "PLAY: 40 more bytes came after it (one reply per request)"
    ])
    expect(layoutProblems(exchange(`RTSP/1.0 200 OK\nCSeq: 2\nSession: 1\nX: ${"y".repeat(1100)}`))[0]).toMatch(/^PLAY: \d+ bytes: the client's recv\(1024\) cuts it$/)
  })
})

describe("targets, score and views", () => {
  it("parseTargets keeps one URL a line, dropping blank lines and # comments", () => {
    const text = "# class of 2025\r\nrtsp://10.0.0.5:5000/movie.Mjpeg\n\n   \nrtsp://10.0.0.6:5000/movie.Mjpeg   # Bob\n  # absent\nrtsp://h/a#b\n"
    expect(parseTargets(text)).toEqual(["rtsp://10.0.0.5:5000/movie.Mjpeg", "rtsp://10.0.0.6:5000/movie.Mjpeg", "rtsp://h/a#b"])
    expect(parseTargets("\n# nothing\n")).toEqual([])
  })

  const checks = (failing: ReadonlyArray<string>, actual = "seen"): ReadonlyArray<CheckResult> =>
    CLASSIC_CHECKS.map(({ id, name }) => ({ id, name, status: failing.includes(id) ? "FAIL" : "PASS", expected: "as the client needs", actual, elapsedMs: 0 }))
  const reportOf = (url: string, failing: ReadonlyArray<string>, extra: Partial<ClassicReport> = {}): ClassicReport => {
    const list = checks(failing, extra.unreachable === undefined ? "seen <b>bold</b> & \"quoted\"" : `not run: ${extra.unreachable}`)
    const score = scoreOf(list)
    return { url, dialect: "classic", checks: list, passed: score.passed, failed: list.length - score.passed, skipped: 0, ok: isFullScore(score), score, fps: 20, ...extra }
  }

  it("the score is checks passed out of all of them; full only when none failed", () => {
    expect(scoreOf(checks([]))).toEqual({ passed: 14, total: 14, percent: 100 })
    expect(scoreOf(checks(["pacing", "frame-size"]))).toEqual({ passed: 12, total: 14, percent: 86 })
    expect(isFullScore(scoreOf(checks(["pacing"])))).toBe(false)
    expect(isFullScore({ passed: 0, total: 0, percent: 0 })).toBe(false)
  })

  it("the text views: a table with the score, and a batch table with URL, score and failed checks", () => {
    const good = reportOf("rtsp://10.0.0.5:5000/movie.Mjpeg", [])
    const broken = reportOf("rtsp://10.0.0.6:5000/movie.Mjpeg", ["pacing", "sequence-resume"])
    const gone = reportOf("rtsp://10.0.0.7:5000/movie.Mjpeg", CLASSIC_CHECKS.map((c) => c.id), { unreachable: "cannot connect to 10.0.0.7:5000: connect ECONNREFUSED 10.0.0.7:5000" })
    expect(formatClassicGrade(broken)).toContain("Score: 12/14 (86%); failed: pacing, sequence-resume")
    expect(formatClassicGrade(good)).toContain("Score: 14/14 (100%), full score")
    const table = formatBatchTable(batchOf([good, broken, gone])).split("\n")
    expect(table[0]).toBe("Classic lab grades: 3 servers")
    expect(table[2]).toMatch(/^URL\s+SCORE\s+FAILED CHECKS$/)
    expect(table[4]).toMatch(/^rtsp:\/\/10\.0\.0\.5:5000\/movie\.Mjpeg\s+14\/14\s+-$/)
    expect(table[5]).toMatch(/^rtsp:\/\/10\.0\.0\.6:5000\/movie\.Mjpeg\s+12\/14\s+pacing, sequence-resume$/)
    expect(table[6]).toMatch(/^rtsp:\/\/10\.0\.0\.7:5000\/movie\.Mjpeg\s+0\/14\s+unreachable: cannot connect to 10\.0\.0\.7:5000: connect$/)
    expect(table.at(-1)).toBe("1 of 3 got full score")
  })

  it("the HTML page is self-contained, escapes what servers said, and has a section per server", () => {
    const hostile = reportOf("rtsp://10.0.0.6:5000/<script>alert(1)</script>", ["pacing"], {
      measurements: { datagrams: 3, intervals: [{ atMs: 100, intervalMs: 48, play: 1 }, { atMs: 150, intervalMs: 50, play: 1 }, { atMs: 900, intervalMs: 51, play: 2 }] }
    })
    const html = renderClassicHtml(batchOf([reportOf("rtsp://10.0.0.5:5000/movie.Mjpeg", []), hostile]), { command: "rtsp-harness conformance --dialect classic --targets t.txt", generatedAt: "2025-01-01T00:00:00.000Z" })
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true)
    expect(html).not.toMatch(/<script|<link|src=|href="http/i)
    expect(html).not.toContain("<b>bold</b>")
    expect(html).toContain("seen &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;")
    expect(html).toContain("rtsp://10.0.0.6:5000/&lt;script&gt;alert(1)&lt;/script&gt;")
    expect(html.match(/<section class="server"/g)).toHaveLength(2)
    expect(html).toContain("1 of 2 got full score")
    for (const { name, id } of CLASSIC_CHECKS) {
      expect(html).toContain(name.replace(/'/g, "&#39;"))
      expect(html).toContain(`<code>${id}</code>`)
    }
    expect(html).toContain("Score 13/14 (93%)")
    expect(html).toContain("<svg")
  })
})
