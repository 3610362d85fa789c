/**
 * The grader against scripted lab servers that each get one thing wrong: the fault is found and
 * named by its one check, with expected vs actual, and every other check still passes. A faithful
 * lab server (ServerWorker.py's behaviour) gets full score first, so each fault's FAIL is its own.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import sharp from "sharp"
import { type ClassicReport, runClassicGrade } from "../../../../harness/conformance/index.js"
import type { CheckResult } from "../../../../harness/conformance/types.js"
import { fakeLabServer, labReply, type LabServerScript, movieFrames } from "./fakeLabServer.js"

const FAST = { playSeconds: 1, timeoutMs: 2000 } as const

const grade = (script: LabServerScript): Effect.Effect<ClassicReport> =>
  Effect.scoped(Effect.gen(function* () {
    const port = yield* fakeLabServer(script)
    return yield* runClassicGrade(`rtsp://127.0.0.1:${port}/movie.Mjpeg`, FAST)
  }))

const notPassed = (report: ClassicReport): ReadonlyArray<string> => report.checks.filter((c) => c.status !== "PASS").map((c) => c.id)

const check = (report: ClassicReport, id: string): CheckResult => {
  const found = report.checks.find((c) => c.id === id)
  if (found === undefined) throw new Error(`no check ${id}`)
  return found
}

/** Exactly `id` fails, and its actual says what was seen. */
const onlyFails = (report: ClassicReport, id: string, actual: RegExp): void => {
  const failing = report.checks.filter((c) => c.status !== "PASS").map((c) => `${c.id}: ${c.actual}`)
  expect(notPassed(report), failing.join("\n")).toEqual([id])
  expect(check(report, id).actual).toMatch(actual)
  expect(report.score).toEqual({ passed: report.checks.length - 1, total: report.checks.length, percent: Math.round(((report.checks.length - 1) / report.checks.length) * 100) })
  expect(report.ok).toBe(false)
}

/** A valid JPEG too big for the lab client's recv(20480), yet small enough for one datagram. */
const bigJpeg = (): Promise<Buffer> =>
  sharp({ create: { width: 256, height: 192, channels: 3, background: "#808080", noise: { type: "gaussian", mean: 128, sigma: 60 } } })
    .jpeg({ quality: 92 })
    .toBuffer()

describe("the classic grader against broken lab servers", () => {
  it.live("a faithful lab server gets full score", () =>
    Effect.gen(function* () {
      const report = yield* grade({})
      expect(notPassed(report)).toEqual([])
      expect(report.ok).toBe(true)
      expect(check(report, "reply-layout").actual).toContain(String.raw`"RTSP/1.0 200 OK\nCSeq: 1\nSession: `)
    }), 30_000)

  it.live("a reply layout the lab client misreads fails reply-layout, named by line", () =>
    Effect.gen(function* () {
      const noSpace = yield* grade({ reply: (r) => `RTSP/1.0 200 OK\nCSeq:${r.cseq}\nSession: ${r.session}` })
      onlyFails(noSpace, "reply-layout", /^SETUP: line 2 is "CSeq:1", not "CSeq: 1"/)
      const extraLine = yield* grade({ reply: (r) => `RTSP/1.0 200 OK\nServer: student\n${labReply(r).split("\n").slice(1).join("\n")}` })
      onlyFails(extraLine, "reply-layout", /^SETUP: line 2 is "Server: student", not "CSeq: 1"; SETUP: the Session line is line 4 \(the client reads line 3\)/)
    }), 40_000)

  it.live("a sequence that restarts on PLAY after PAUSE fails sequence-resume", () =>
    Effect.gen(function* () {
      const report = yield* grade({ restartSequenceOnPlay: true })
      onlyFails(report, "sequence-resume", /^\d+ before PAUSE, then 1 \(restarted\): the lab client drops every frame not numbered above \d+/)
    }), 30_000)

  it.live("frames sent at 30 fps fail pacing, with the median measured", () =>
    Effect.gen(function* () {
      const report = yield* grade({ framePeriodMs: 1000 / 30 })
      onlyFails(report, "pacing", /^median 3\d(\.\d)? ms \(\d+(\.\d)? fps\) over \d+ intervals/)
      expect(check(report, "pacing").expected).toBe("median interval 50 ms (20 fps) ±20%: 40–60 ms")
    }), 30_000)

  it.live("a frame too big for the client's recv(20480) fails frame-size, naming it", () =>
    Effect.gen(function* () {
      const big = yield* Effect.promise(bigJpeg)
      expect(big.length).toBeGreaterThan(20468)
      expect(big.length).toBeLessThan(60_000)
      const frames = movieFrames()
      // Every fifth frame, so the watch is sure to see some.
      const report = yield* grade({ frame: (n) => (n % 5 === 0 ? big : frames[(n - 1) % frames.length]!) })
      onlyFails(report, "frame-size", new RegExp(`datagrams too big: seq 5 \\(${big.length + 12} bytes\\)`))
    }), 30_000)

  it.live("a PAUSE that keeps sending fails pause-stops, with how many came and how late", () =>
    Effect.gen(function* () {
      const report = yield* grade({ keepSendingAfterPause: true })
      onlyFails(report, "pause-stops", /^\d+ datagrams \(seq \d+\.\.\d+\) up to \d+ ms after the PAUSE reply$/)
    }), 30_000)

  it.live("a missing Session header, or one with ;timeout=, fails session-id", () =>
    Effect.gen(function* () {
      const missing = yield* grade({ reply: (r) => `RTSP/1.0 200 OK\nCSeq: ${r.cseq}` })
      onlyFails(missing, "session-id", /^SETUP reply has no Session header; PLAY reply has no Session header/)
      const timeout = yield* grade({ reply: (r) => `${labReply(r)};timeout=60` })
      onlyFails(timeout, "session-id", /^SETUP: Session "\d{6};timeout=60" has parameters: the client's int\(\) fails on them/)
    }), 40_000)
})
