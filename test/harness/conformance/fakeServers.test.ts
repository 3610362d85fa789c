/**
 * The suite against servers that get things wrong: refused, silent, closing, answering 400 to
 * everything, and a sloppy streaming server whose every stream-level fault must show up as the
 * right FAIL with expected vs actual. Every run is bounded by a short timeout.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { runConformance } from "../../../harness/conformance/index.js"
import type { CheckResult, ConformanceReport } from "../../../harness/conformance/types.js"
import { encodeRtpPacket } from "../../../src/protocol/rtp.js"
import { getHeader } from "../../../src/protocol/rtsp/message.js"
import { serializeInterleaved } from "../../../src/protocol/rtsp/serializer.js"
import { buildMjpegSdp } from "../../../src/protocol/sdp.js"
import { type FakeAction, type FakeConnection, fakeRtspServer, refusedPort } from "../../support/fakeRtspServer.js"

const FAST = { timeoutMs: 300, playSeconds: 0.5 } as const

const check = (report: ConformanceReport, id: string): CheckResult => {
  const found = report.checks.find((c) => c.id === id)
  if (found === undefined) throw new Error(`no check ${id} in the report`)
  return found
}

const statuses = (report: ConformanceReport, ids: ReadonlyArray<string>) => Object.fromEntries(ids.map((id) => [id, check(report, id).status]))

const STREAM_IDS = ["play", "keepalive", "rtp-header", "rtp-info", "rtp-sequence", "rtp-timestamps", "marker-bits", "frames-decode", "rtcp-sr", "pause", "pause-stops", "bye-teardown"]

describe("conformance against failing servers", () => {
  it.live("a refused port fails the connect check first and every other check with the same reason", () =>
    Effect.gen(function* () {
      const port = yield* refusedPort()
      const report = yield* runConformance(`rtsp://127.0.0.1:${port}/movie.Mjpeg`, FAST)
      const first = report.checks[0]!
      expect(first).toMatchObject({ id: "connect", status: "FAIL", expected: `TCP connection to 127.0.0.1:${port}` })
      expect(first.actual).toContain("ECONNREFUSED")
      for (const c of report.checks.slice(1)) {
        expect(c.status).toBe("FAIL")
        expect(c.actual).toBe(`not run: no connection (${first.actual})`)
      }
      expect(report).toMatchObject({ ok: false, passed: 0, skipped: 0, failed: report.checks.length })
    }))

  it.scopedLive("a URL that names no media, or is not rtsp://, fails the connect check", () =>
    Effect.gen(function* () {
      const port = yield* fakeRtspServer(() => ({ status: 200 }))
      const noPath = yield* runConformance(`rtsp://127.0.0.1:${port}`, FAST)
      expect(noPath.checks[0]).toMatchObject({ id: "connect", status: "FAIL" })
      expect(noPath.checks[0]!.actual).toContain("names no media")
      const http = yield* runConformance("http://127.0.0.1/movie.Mjpeg", FAST)
      expect(http.checks[0]).toMatchObject({ id: "connect", status: "FAIL", actual: "not an rtsp:// URL: http://127.0.0.1/movie.Mjpeg" })
      expect(http.ok).toBe(false)
    }))

  it.scopedLive("a server that answers 400 to everything fails each status check with expected vs actual", () =>
    Effect.gen(function* () {
      const port = yield* fakeRtspServer(() => ({ status: 400 }))
      const report = yield* runConformance(`rtsp://127.0.0.1:${port}/movie.Mjpeg`, FAST)
      expect(check(report, "connect").status).toBe("PASS")
      expect(check(report, "options")).toMatchObject({ status: "FAIL", actual: "400 Bad Request" })
      expect(check(report, "describe")).toMatchObject({ status: "FAIL", actual: "400 Bad Request" })
      expect(check(report, "state-play-before-setup")).toMatchObject({ status: "FAIL", expected: "455 Method Not Valid in This State", actual: "400 Bad Request" })
      expect(check(report, "session-unknown")).toMatchObject({ status: "FAIL", expected: "454 Session Not Found", actual: "400 Bad Request" })
      expect(check(report, "transport-unsupported")).toMatchObject({ status: "FAIL", expected: "461 Unsupported transport", actual: "400 Bad Request" })
      expect(check(report, "method-unknown")).toMatchObject({ status: "FAIL", expected: "501 Not Implemented", actual: "400 Bad Request" })
      expect(check(report, "version-rtsp2")).toMatchObject({ status: "FAIL", expected: "505 RTSP Version not supported", actual: "400 Bad Request" })
      // Right for the wrong reason, but right.
      expect(check(report, "cseq-missing")).toMatchObject({ status: "PASS", actual: "400 Bad Request" })
      expect(check(report, "setup").status).toBe("FAIL")
      expect(check(report, "setup").actual).toContain("DESCRIBE failed: DESCRIBE answered 400")
      expect(check(report, "state-pause-in-ready").status).toBe("SKIP")
      for (const id of STREAM_IDS) expect(check(report, id)).toMatchObject({ status: "SKIP", actual: "no session: SETUP failed" })
      expect(report.ok).toBe(false)
    }))

  it.scopedLive("a server that never answers fails by timeout, bounded, without hanging", () =>
    Effect.gen(function* () {
      const port = yield* fakeRtspServer(() => "silent")
      const started = performance.now()
      const report = yield* runConformance(`rtsp://127.0.0.1:${port}/movie.Mjpeg`, FAST)
      expect(check(report, "connect").status).toBe("PASS")
      expect(check(report, "options").actual).toContain("no response in 300 ms")
      expect(check(report, "cseq-missing")).toMatchObject({ status: "FAIL", expected: "400 Bad Request", actual: "no reply in 300 ms" })
      expect(check(report, "version-rtsp2")).toMatchObject({ status: "FAIL", actual: "no reply in 300 ms" })
      expect(check(report, "setup").actual).toContain("no response in 300 ms")
      expect(report.checks.filter((c) => c.status === "PASS").map((c) => c.id)).toEqual(["connect"])
      // About a dozen 300 ms waits; loose, for a busy machine.
      expect(performance.now() - started).toBeLessThan(30_000)
    }), 40_000)

  it.scopedLive("a server that drops the connection on every request fails each check with that reason", () =>
    Effect.gen(function* () {
      const port = yield* fakeRtspServer(() => "close")
      const report = yield* runConformance(`rtsp://127.0.0.1:${port}/movie.Mjpeg`, FAST)
      expect(check(report, "options").actual).toContain("connection closed")
      expect(check(report, "cseq-missing").actual).toBe("the server closed the connection without a reply")
      expect(check(report, "method-unknown").status).toBe("FAIL")
      expect(report.ok).toBe(false)
    }))
})

// ---------------------------------------------------------------------------------------------
// A sloppy streaming server: answers 200 to everything (but 461 to a SETUP for anything but TCP
// and 501 to GET_PARAMETER), and over TCP streams RTP with an RTP-Info off by one, no marker
// bits, a timestamp step of 3000 where the SDP says 20 fps (4500), a packet skipped every 10,
// payloads that rebuild into no frame, no RTCP at all, and a flow that PAUSE does not stop.

const SSRC = 0x1234abcd

const rtpPacket = (seq: number, timestamp: number): Buffer =>
  encodeRtpPacket({
    header: { marker: false, payloadType: 26, sequenceNumber: seq & 0xffff, timestamp: timestamp >>> 0, ssrc: SSRC, csrcs: [] },
    // RFC 2435 main header (offset 0, type 1, Q 50, 40x40) and bytes that are no JPEG scan.
    payload: Buffer.concat([Buffer.from([0, 0, 0, 0, 1, 50, 5, 5]), Buffer.alloc(64, 0x5a)]),
    paddingLength: 0
  })

const startStreaming = (conn: FakeConnection): void => {
  if (conn.state.has("timer")) return
  let seq = 1001
  let frame = 0
  const timer = setInterval(() => {
    for (let i = 0; i < 3; i++) {
      seq += seq % 10 === 0 ? 2 : 1
      if (!conn.socket.destroyed) conn.socket.write(serializeInterleaved(0, rtpPacket(seq, frame * 3000)))
    }
    frame++
  }, 20)
  conn.state.set("timer", timer)
  conn.socket.once("close", () => clearInterval(timer))
}

const stopStreaming = (conn: FakeConnection): void => {
  const timer = conn.state.get("timer")
  if (timer !== undefined) clearInterval(timer as NodeJS.Timeout)
  conn.state.delete("timer")
}

const sloppy = (port: () => number) => (request: { method: string; headers: ReadonlyArray<readonly [string, string]> }, conn: FakeConnection): FakeAction => {
  const base = `rtsp://127.0.0.1:${port()}/movie.Mjpeg/`
  switch (request.method) {
    case "OPTIONS":
      return { status: 200, headers: ["Public: OPTIONS, DESCRIBE, SETUP, PLAY"] }
    case "DESCRIBE":
      return {
        status: 200,
        headers: ["Content-Type: application/sdp", `Content-Base: ${base}`],
        body: buildMjpegSdp({ sessionId: "1", name: "movie", control: "streamid=0", fps: 20, durationSeconds: 10 })
      }
    case "SETUP": {
      const transport = getHeader(request.headers, "Transport") ?? ""
      if (!transport.startsWith("RTP/AVP/TCP")) return { status: 461 }
      return { status: 200, headers: ["Session: 12345", "Transport: RTP/AVP/TCP;unicast;interleaved=0-1"] }
    }
    case "PLAY":
      startStreaming(conn)
      return { status: 200, headers: ["Session: 12345", `RTP-Info: url=${base}streamid=0;seq=1000;rtptime=0`] }
    case "TEARDOWN":
      stopStreaming(conn)
      return { status: 200 }
    case "GET_PARAMETER":
      return { status: 501 }
    default:
      return { status: 200, headers: ["Session: 12345"] }
  }
}

describe("conformance against a sloppy streaming server", () => {
  it.scopedLive("each stream fault fails its own check, with expected vs actual", () =>
    Effect.gen(function* () {
      let listening = 0
      listening = yield* fakeRtspServer(sloppy(() => listening))
      const report = yield* runConformance(`rtsp://127.0.0.1:${listening}/movie.Mjpeg`, { transport: "tcp", timeoutMs: 1000, playSeconds: 0.5 })
      expect(statuses(report, ["connect", "describe", "setup", "session-timeout", "play", "keepalive", "rtp-header", "pause", "teardown"])).toEqual({
        connect: "PASS", describe: "PASS", setup: "PASS", "session-timeout": "PASS", play: "PASS", keepalive: "PASS", "rtp-header": "PASS", pause: "PASS", teardown: "PASS"
      })
      expect(check(report, "session-timeout").actual).toContain("default of 60 s")
      // GET_PARAMETER is 501 here: the keep-alive falls back to OPTIONS.
      expect(check(report, "keepalive").actual).toMatch(/^OPTIONS 200 OK; \d+ RTP packets after it$/)
      expect(check(report, "options")).toMatchObject({ status: "FAIL", actual: "200, Public: OPTIONS, DESCRIBE, SETUP, PLAY (missing PAUSE, TEARDOWN)" })
      expect(check(report, "rtp-info").status).toBe("FAIL")
      expect(check(report, "rtp-info").actual).toContain("seq=1000 but the first packet has seq 1002")
      expect(check(report, "rtp-sequence").status).toBe("FAIL")
      expect(check(report, "rtp-sequence").actual).toMatch(/^\d+ missing in \d+ packets: 1012 after 1010/)
      expect(check(report, "rtp-timestamps")).toMatchObject({ status: "FAIL", expected: "timestamps advance by 4500 (90000/20) per frame" })
      expect(check(report, "rtp-timestamps").actual).toContain("step 3000")
      expect(check(report, "marker-bits").status).toBe("FAIL")
      expect(check(report, "marker-bits").actual).toContain("end without M=1")
      expect(check(report, "frames-decode").status).toBe("FAIL")
      expect(check(report, "frames-decode").actual).toContain("no frame rebuilt")
      expect(check(report, "rtcp-sr")).toMatchObject({ status: "FAIL", actual: "no RTCP at all" })
      expect(check(report, "pause-stops").status).toBe("FAIL")
      expect(check(report, "pause-stops").actual).toMatch(/packets .* arrived up to \d+ ms after the PAUSE reply/)
      expect(check(report, "bye-teardown")).toMatchObject({ status: "FAIL", actual: "no RTCP at all in 1000 ms" })
      for (const [id, code] of [["state-play-before-setup", 455], ["state-pause-in-ready", 455], ["session-unknown", 454], ["cseq-missing", 400], ["method-unknown", 501], ["version-rtsp2", 505]] as const) {
        expect(check(report, id)).toMatchObject({ status: "FAIL", actual: "200 OK" })
        expect(check(report, id).expected.startsWith(String(code))).toBe(true)
      }
      // It answers 461 to anything but TCP, the unsupported SCTP transport included.
      expect(check(report, "transport-unsupported")).toMatchObject({ status: "PASS" })
      expect(report.ok).toBe(false)
    }), 30_000)

  it.scopedLive("over UDP the server's 461 fails SETUP with a hint, and the streaming checks skip saying why", () =>
    Effect.gen(function* () {
      let listening = 0
      listening = yield* fakeRtspServer(sloppy(() => listening))
      const report = yield* runConformance(`rtsp://127.0.0.1:${listening}/movie.Mjpeg`, { transport: "udp", timeoutMs: 1000, playSeconds: 0.5 })
      const setup = check(report, "setup")
      expect(setup).toMatchObject({ status: "FAIL", expected: "200 with Session and Transport headers" })
      expect(setup.actual).toContain("461")
      expect(setup.detail).toContain("--transport tcp")
      for (const id of STREAM_IDS) expect(check(report, id)).toMatchObject({ status: "SKIP", actual: "no session: SETUP failed" })
      expect(check(report, "state-pause-in-ready")).toMatchObject({ status: "SKIP" })
      expect(check(report, "state-pause-in-ready").actual).toContain("461")
    }), 30_000)
})
