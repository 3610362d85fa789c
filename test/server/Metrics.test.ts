import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { escapeLabelValue, makeServerMetrics, Metrics, layer as metricsLayer, sumSnapshots } from "../../src/server/Metrics.js"
import type { ServerMetrics } from "../../src/server/Metrics.js"
import { dropFrames, receiveReport, sendFrames, startSession } from "./meteredSessions.js"

/** A known sequence: two sessions, one ends, RTCP for the live one, a few requests and responses. */
const exercise = (m: ServerMetrics): void => {
  m.connectionOpened()
  m.connectionOpened()
  m.connectionOpened()
  m.connectionClosed()
  for (const method of ["OPTIONS", "DESCRIBE", "SETUP", "SETUP", "PLAY", "TEARDOWN", "BREW"]) m.request(method)
  for (const code of [200, 200, 200, 200, 200, 200, 501, 454]) m.response(code)
  m.guard("authFailures", "bad-password")
  m.guard("authFailures", "bad-password")
  m.guard("authFailures", "replay")
  m.guard("limitRefusals", "requests")
  const a1 = startSession(m, "A1", "standard", "udp")
  const classic = startSession(m, "123456", "classic", "tcp")
  a1.state = "playing"
  sendFrames(m, a1, 1, 9, 12_000)
  sendFrames(m, a1, 2, 18, 24_500)
  sendFrames(m, classic, 1, 1, 10_000)
  dropFrames(m, classic, 3)
  receiveReport(m, a1, { fractionLost: 0.25, cumulativeLost: 7, jitterSeconds: 0.0015 })
  receiveReport(m, classic, { fractionLost: 0, cumulativeLost: 0, jitterSeconds: 0.002 })
  m.sessionEnded("123456", "teardown")
}

const expectedExposition = [
  "# HELP rtsp_connections Open RTSP control connections.",
  "# TYPE rtsp_connections gauge",
  "rtsp_connections 2",
  "# HELP rtsp_sessions Live sessions by state.",
  "# TYPE rtsp_sessions gauge",
  "rtsp_sessions{state=\"init\"} 0",
  "rtsp_sessions{state=\"ready\"} 0",
  "rtsp_sessions{state=\"playing\"} 1",
  "rtsp_sessions{state=\"recording\"} 0",
  "# HELP rtsp_sessions_started_total Sessions created, by dialect and transport.",
  "# TYPE rtsp_sessions_started_total counter",
  "rtsp_sessions_started_total{dialect=\"classic\",transport=\"udp\"} 0",
  "rtsp_sessions_started_total{dialect=\"classic\",transport=\"tcp\"} 1",
  "rtsp_sessions_started_total{dialect=\"classic\",transport=\"multicast\"} 0",
  "rtsp_sessions_started_total{dialect=\"standard\",transport=\"udp\"} 1",
  "rtsp_sessions_started_total{dialect=\"standard\",transport=\"tcp\"} 0",
  "rtsp_sessions_started_total{dialect=\"standard\",transport=\"multicast\"} 0",
  "# HELP rtsp_sessions_ended_total Sessions ended, by reason.",
  "# TYPE rtsp_sessions_ended_total counter",
  "rtsp_sessions_ended_total{reason=\"teardown\"} 1",
  "# HELP rtsp_frames_sent_total Video frames sent.",
  "# TYPE rtsp_frames_sent_total counter",
  "rtsp_frames_sent_total 4",
  "# HELP rtsp_rtp_packets_sent_total RTP packets sent.",
  "# TYPE rtsp_rtp_packets_sent_total counter",
  "rtsp_rtp_packets_sent_total 28",
  "# HELP rtsp_rtp_bytes_sent_total RTP bytes sent, headers included.",
  "# TYPE rtsp_rtp_bytes_sent_total counter",
  "rtsp_rtp_bytes_sent_total 46500",
  "# HELP rtsp_frames_dropped_total Whole frames dropped because a receiver could not keep up.",
  "# TYPE rtsp_frames_dropped_total counter",
  "rtsp_frames_dropped_total 3",
  "# HELP rtsp_requests_total RTSP requests received, by method.",
  "# TYPE rtsp_requests_total counter",
  "rtsp_requests_total{method=\"DESCRIBE\"} 1",
  "rtsp_requests_total{method=\"OPTIONS\"} 1",
  "rtsp_requests_total{method=\"PLAY\"} 1",
  "rtsp_requests_total{method=\"SETUP\"} 2",
  "rtsp_requests_total{method=\"TEARDOWN\"} 1",
  "rtsp_requests_total{method=\"other\"} 1",
  "# HELP rtsp_responses_total RTSP responses sent, by status code.",
  "# TYPE rtsp_responses_total counter",
  "rtsp_responses_total{code=\"200\"} 6",
  "rtsp_responses_total{code=\"454\"} 1",
  "rtsp_responses_total{code=\"501\"} 1",
  "# HELP rtsp_auth_failures_total Requests whose credentials were refused, by reason.",
  "# TYPE rtsp_auth_failures_total counter",
  "rtsp_auth_failures_total{reason=\"bad-password\"} 2",
  "rtsp_auth_failures_total{reason=\"replay\"} 1",
  "# HELP rtsp_tls_handshakes_total TLS handshakes on the RTSPS port, by result.",
  "# TYPE rtsp_tls_handshakes_total counter",
  "# HELP rtsp_limit_refusals_total Connections and requests refused or closed by a limit, by kind.",
  "# TYPE rtsp_limit_refusals_total counter",
  "rtsp_limit_refusals_total{kind=\"requests\"} 1",
  "# HELP rtsp_rtcp_receiver_reports_total RTCP receiver reports received.",
  "# TYPE rtsp_rtcp_receiver_reports_total counter",
  "rtsp_rtcp_receiver_reports_total 2",
  "# HELP rtsp_rtcp_fraction_lost Fraction of packets lost (0..1) in the latest RTCP receiver report of each live session.",
  "# TYPE rtsp_rtcp_fraction_lost gauge",
  "rtsp_rtcp_fraction_lost{session=\"A1\"} 0.25",
  "# HELP rtsp_rtcp_jitter_seconds Interarrival jitter in the latest RTCP receiver report of each live session.",
  "# TYPE rtsp_rtcp_jitter_seconds gauge",
  "rtsp_rtcp_jitter_seconds{session=\"A1\"} 0.0015",
  ""
]

describe("ServerMetrics.render", () => {
  it("renders a known sequence of calls as Prometheus 0.0.4 text, line by line", () => {
    const m = makeServerMetrics()
    exercise(m)
    const lines = m.render().split("\n")
    // Compare line by line so a failure names the first line that differs.
    for (const [i, line] of expectedExposition.entries()) expect([i, lines[i]]).toEqual([i, line])
    expect(lines).toHaveLength(expectedExposition.length)
  })

  it("renders every family with zero values before anything happens", () => {
    const text = makeServerMetrics().render()
    expect(text.endsWith("\n")).toBe(true)
    const samples = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"))
    expect(samples).toEqual([
      "rtsp_connections 0",
      "rtsp_sessions{state=\"init\"} 0",
      "rtsp_sessions{state=\"ready\"} 0",
      "rtsp_sessions{state=\"playing\"} 0",
      "rtsp_sessions{state=\"recording\"} 0",
      "rtsp_sessions_started_total{dialect=\"classic\",transport=\"udp\"} 0",
      "rtsp_sessions_started_total{dialect=\"classic\",transport=\"tcp\"} 0",
      "rtsp_sessions_started_total{dialect=\"classic\",transport=\"multicast\"} 0",
      "rtsp_sessions_started_total{dialect=\"standard\",transport=\"udp\"} 0",
      "rtsp_sessions_started_total{dialect=\"standard\",transport=\"tcp\"} 0",
      "rtsp_sessions_started_total{dialect=\"standard\",transport=\"multicast\"} 0",
      "rtsp_frames_sent_total 0",
      "rtsp_rtp_packets_sent_total 0",
      "rtsp_rtp_bytes_sent_total 0",
      "rtsp_frames_dropped_total 0",
      "rtsp_rtcp_receiver_reports_total 0"
    ])
    // Every family has exactly one HELP and one TYPE line, HELP first.
    const families = text.split("\n").filter((l) => l.startsWith("# TYPE ")).map((l) => l.split(" ")[2])
    expect(families).toHaveLength(16)
    for (const name of families) {
      const help = text.indexOf(`# HELP ${name} `)
      const type = text.indexOf(`# TYPE ${name} `)
      expect(help).toBeGreaterThanOrEqual(0)
      expect(help).toBeLessThan(type)
    }
  })

  it("escapes label values: backslash, double quote and newline", () => {
    expect(escapeLabelValue("plain")).toBe("plain")
    expect(escapeLabelValue("a\\b")).toBe("a\\\\b")
    expect(escapeLabelValue("say \"hi\"")).toBe("say \\\"hi\\\"")
    expect(escapeLabelValue("two\nlines")).toBe("two\\nlines")

    const m = makeServerMetrics()
    m.sessionEnded("none", "ignored")
    startSession(m, "s", "standard", "udp")
    m.sessionEnded("s", "error: \"bad\" \\ path\nnext")
    expect(m.render()).toContain("rtsp_sessions_ended_total{reason=\"error: \\\"bad\\\" \\\\ path\\nnext\"} 1\n")
  })

  it("renders non-finite gauge values the way Prometheus spells them", () => {
    const m = makeServerMetrics()
    const x = startSession(m, "x", "standard", "udp")
    const y = startSession(m, "y", "standard", "udp")
    startSession(m, "z", "standard", "udp")
    receiveReport(m, x, { fractionLost: Number.NaN, cumulativeLost: 0, jitterSeconds: Infinity })
    receiveReport(m, y, { fractionLost: 0, cumulativeLost: 0, jitterSeconds: -Infinity })
    const text = m.render()
    expect(text).toContain("rtsp_rtcp_fraction_lost{session=\"x\"} NaN\n")
    expect(text).toContain("rtsp_rtcp_jitter_seconds{session=\"x\"} +Inf\n")
    expect(text).toContain("rtsp_rtcp_jitter_seconds{session=\"y\"} -Inf\n")
    // No receiver report yet: no per-session series.
    expect(text).not.toContain("session=\"z\"")
  })
})

describe("live channel viewers", () => {
  it("counts the sessions playing each live channel, zero for one nobody watches; absent without live channels", () => {
    const m = makeServerMetrics()
    expect(m.render()).not.toContain("rtsp_live_viewers")
    m.liveChannels(new Set(["movie.Mjpeg", "cam.mjpeg"]))
    const a = startSession(m, "a", "standard", "udp")
    const b = startSession(m, "b", "standard", "tcp")
    startSession(m, "c", "standard", "udp", "other.mjpeg").state = "playing"
    a.state = "playing"
    b.state = "ready"
    expect(m.snapshot().liveViewers).toStrictEqual({ "cam.mjpeg": 0, "movie.Mjpeg": 1 })
    const lines = m.render().split("\n")
    expect(lines).toContain("# TYPE rtsp_live_viewers gauge")
    expect(lines).toContain('rtsp_live_viewers{channel="movie.Mjpeg"} 1')
    expect(lines).toContain('rtsp_live_viewers{channel="cam.mjpeg"} 0')
    // A cluster adds its workers' viewers up.
    const summed = sumSnapshots([m.expositionSnapshot(), m.expositionSnapshot()])
    expect(summed.liveViewers).toStrictEqual({ "cam.mjpeg": 0, "movie.Mjpeg": 2 })
  })
})

describe("ServerMetrics.snapshot", () => {
  it("counts the known sequence", () => {
    const m = makeServerMetrics()
    exercise(m)
    expect(m.snapshot()).toEqual({
      connections: 2,
      sessionsByState: { init: 0, ready: 0, playing: 1, recording: 0 },
      framesSent: 4,
      packetsSent: 28,
      bytesSent: 46_500,
      framesDropped: 3,
      rtcpReceiverReports: 2,
      sessionsStarted: 2,
      sessionsEnded: { teardown: 1 },
      requests: { DESCRIBE: 1, OPTIONS: 1, PLAY: 1, SETUP: 2, TEARDOWN: 1, other: 1 },
      responses: { "200": 6, "454": 1, "501": 1 },
      guards: { authFailures: { "bad-password": 2, replay: 1 }, tlsHandshakes: {}, limitRefusals: { requests: 1 } },
      sessions: {
        A1: {
          dialect: "standard",
          transport: "udp",
          state: "playing",
          framesSent: 3,
          packetsSent: 27,
          bytesSent: 36_500,
          framesDropped: 0,
          receiverReports: 1,
          lastReceiverReport: { fractionLost: 0.25, cumulativeLost: 7, jitterSeconds: 0.0015 }
        }
      }
    })
  })

  it("keeps the state gauges consistent across repeated, unknown and late calls", () => {
    const m = makeServerMetrics()
    const a = startSession(m, "a", "classic", "udp")
    m.sessionStarted(a) // duplicate start: ignored
    a.state = "ready" // same state: no change
    m.sessionEnded("ghost", "timeout") // unknown id: ignored
    m.sessionEnded("a", "timeout")
    m.sessionEnded("a", "timeout") // second end: ignored
    a.state = "playing" // after the end: not counted
    sendFrames(m, a, 1, 1, 100) // a frame in flight when the session ended still counts in the totals
    m.connectionClosed() // never below zero
    const s = m.snapshot()
    expect(s.sessionsByState).toEqual({ init: 0, ready: 0, playing: 0, recording: 0 })
    expect(s.sessionsStarted).toBe(1)
    expect(s.sessionsEnded).toEqual({ timeout: 1 })
    expect(s.sessions).toEqual({})
    expect([s.framesSent, s.packetsSent, s.bytesSent]).toEqual([1, 1, 100])
    expect(s.connections).toBe(0)
  })

  it("counts a publisher's session under recording while it records, and nowhere once it ends", () => {
    const m = makeServerMetrics()
    const viewer = startSession(m, "v", "standard", "udp")
    const publisher = startSession(m, "p", "standard", "tcp", "cam")
    expect(m.snapshot().sessionsByState).toEqual({ init: 0, ready: 2, playing: 0, recording: 0 })
    viewer.state = "playing"
    publisher.state = "recording"
    expect(m.snapshot().sessionsByState).toEqual({ init: 0, ready: 0, playing: 1, recording: 1 })
    expect(m.snapshot().sessions["p"]?.state).toBe("recording")
    expect(m.render()).toContain("rtsp_sessions{state=\"playing\"} 1\nrtsp_sessions{state=\"recording\"} 1\n")
    // PAUSE takes a publisher back to ready.
    publisher.state = "ready"
    expect(m.snapshot().sessionsByState).toEqual({ init: 0, ready: 1, playing: 1, recording: 0 })
    publisher.state = "recording"
    m.sessionEnded("p", "teardown")
    expect(m.snapshot().sessionsByState).toEqual({ init: 0, ready: 0, playing: 1, recording: 0 })
    // A cluster adds its workers' recording sessions up like the other states.
    const other = makeServerMetrics()
    startSession(other, "q", "standard", "udp", "cam2").state = "recording"
    expect(sumSnapshots([m.expositionSnapshot(), other.expositionSnapshot()]).sessionsByState).toEqual({ init: 0, ready: 0, playing: 1, recording: 1 })
  })

  it("removes a session's RTCP series when it ends", () => {
    const m = makeServerMetrics()
    const live = startSession(m, "live", "standard", "tcp")
    receiveReport(m, live, { fractionLost: 0.5, cumulativeLost: 3, jitterSeconds: 0.01 })
    receiveReport(m, live, { fractionLost: 0.125, cumulativeLost: 4, jitterSeconds: 0.02 })
    expect(m.render()).toContain("rtsp_rtcp_fraction_lost{session=\"live\"} 0.125\n")
    expect(m.render()).toContain("rtsp_rtcp_jitter_seconds{session=\"live\"} 0.02\n")
    m.sessionEnded("live", "teardown")
    expect(m.render()).not.toContain("session=\"live\"")
    expect(m.snapshot().rtcpReceiverReports).toBe(2)
  })

  it("is a fresh, independent set of counters per factory call", () => {
    const a = makeServerMetrics()
    const b = makeServerMetrics()
    a.connectionOpened()
    expect(a.snapshot().connections).toBe(1)
    expect(b.snapshot().connections).toBe(0)
  })
})

describe("Metrics.layer", () => {
  it.effect("provides one shared instance", () =>
    Effect.gen(function*() {
      const first = yield* Metrics
      first.request("OPTIONS")
      const second = yield* Metrics
      expect(second.snapshot().requests).toEqual({ OPTIONS: 1 })
    }).pipe(Effect.provide(metricsLayer)))
})

describe("ServerMetrics: the UDP send path", () => {
  it("is rendered and snapshotted once a server says where to read it, as it is at that moment", () => {
    const m = makeServerMetrics()
    expect(m.render()).not.toContain("rtsp_udp_send_path")
    expect(m.snapshot().udpSendPath).toBeUndefined()
    let path: "gso" | "plain" = "gso"
    m.readUdpSendPath(() => path)
    expect(m.render()).toContain("rtsp_udp_send_path{path=\"gso\"} 1\nrtsp_udp_send_path{path=\"plain\"} 0\n")
    expect(m.snapshot().udpSendPath).toBe("gso")
    path = "plain" // a fallback while running
    expect(m.render()).toContain("rtsp_udp_send_path{path=\"gso\"} 0\nrtsp_udp_send_path{path=\"plain\"} 1\n")
    expect(m.snapshot().udpSendPath).toBe("plain")
  })
})
