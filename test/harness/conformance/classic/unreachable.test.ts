/**
 * The grader where no session can run: a refused port, a URL that names no file or is not rtsp://,
 * a server that waits for the blank line the lab client never sends, one that hangs up. Every
 * check fails, saying why, the score is 0 (or just the connection), and nothing hangs.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { CLASSIC_CHECKS, gradeTargets, runClassicGrade } from "../../../../harness/conformance/index.js"
import { fakeRtspServer, fakeTcpServer, refusedPort } from "../../../support/fakeRtspServer.js"

const FAST = { playSeconds: 0.5, timeoutMs: 300 } as const

describe("the classic grader when no session can run", () => {
  it.live("a refused port fails connect, every other check 'not run' with the same reason, score 0", () =>
    Effect.gen(function* () {
      const port = yield* refusedPort()
      const report = yield* runClassicGrade(`rtsp://127.0.0.1:${port}/movie.Mjpeg`, FAST)
      const [first, ...rest] = report.checks
      expect(first).toMatchObject({ id: "connect", status: "FAIL", expected: `TCP connection to 127.0.0.1:${port}` })
      expect(first!.actual).toContain("ECONNREFUSED")
      for (const c of rest) expect(c).toMatchObject({ status: "FAIL", actual: `not run: no connection (${first!.actual})` })
      expect(report).toMatchObject({ ok: false, unreachable: first!.actual, score: { passed: 0, total: CLASSIC_CHECKS.length, percent: 0 } })
      expect(report.measurements).toBeUndefined()
    }))

  it.live("a URL without a file, or not rtsp://, fails connect with what is wrong", () =>
    Effect.gen(function* () {
      const noFile = yield* runClassicGrade("rtsp://127.0.0.1:9/", FAST)
      expect(noFile.checks[0]).toMatchObject({ id: "connect", status: "FAIL", actual: "the URL names no file (rtsp://127.0.0.1:9/<file>, e.g. movie.Mjpeg)" })
      const http = yield* runClassicGrade("http://127.0.0.1/movie.Mjpeg", FAST)
      expect(http.checks[0]).toMatchObject({ status: "FAIL", actual: "not an rtsp:// URL: http://127.0.0.1/movie.Mjpeg" })
      expect(http.score.passed).toBe(0)
    }))

  it.scopedLive("a server that waits for a final blank line never answers SETUP: named, with the lab client's quirk", () =>
    Effect.gen(function* () {
      // The project's parser without idle framing: a request ends only at its blank line.
      const port = yield* fakeRtspServer(() => ({ status: 200, headers: ["Session: 123456"] }))
      const report = yield* runClassicGrade(`rtsp://127.0.0.1:${port}/movie.Mjpeg`, FAST)
      const setup = report.checks.find((c) => c.id === "setup")
      expect(setup).toMatchObject({ status: "FAIL", actual: "no reply in 300 ms" })
      expect(setup!.expected).toMatch(/^200 to "SETUP movie\.Mjpeg RTSP\/1\.0\\nCSeq: 1\\nTransport: RTP\/UDP; client_port= \d+" \(no final blank line/)
      expect(setup!.detail).toContain("sends no blank line after its last header")
      expect(report.checks.find((c) => c.id === "play")?.actual).toBe("not sent: SETUP got no reply (no reply in 300 ms)")
      expect(report.checks.find((c) => c.id === "reply-layout")?.actual).toBe("no reply to judge")
      expect(report.score.passed).toBe(1)
    }))

  it.scopedLive("a server that hangs up on the first request fails setup with that, and the rest say why", () =>
    Effect.gen(function* () {
      const port = yield* fakeTcpServer((socket) => socket.once("data", () => socket.destroy()))
      const report = yield* runClassicGrade(`rtsp://127.0.0.1:${port}/movie.Mjpeg`, FAST)
      expect(report.checks.find((c) => c.id === "setup")?.actual).toBe("the server closed the connection without a reply")
      expect(report.checks.find((c) => c.id === "teardown")?.actual).toBe("not sent: SETUP got no reply (the server closed the connection without a reply)")
      expect(report.checks.filter((c) => c.status === "PASS").map((c) => c.id)).toEqual(["connect"])
    }))

  it.live("a batch grades each target in turn; an unreachable one is a row, and the batch is not ok", () =>
    Effect.gen(function* () {
      const port = yield* refusedPort()
      const batch = yield* gradeTargets([`rtsp://127.0.0.1:${port}/movie.Mjpeg`, "not a url"], FAST)
      expect(batch).toMatchObject({ dialect: "classic", ok: false, fullScore: 0 })
      expect(batch.servers.map((s) => s.unreachable)).toEqual([expect.stringContaining("ECONNREFUSED"), "not an rtsp:// URL: not a url"])
    }))
})
