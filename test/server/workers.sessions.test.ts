/**
 * `serve --workers 2` end to end: sessions land on both workers (cluster round-robin), each
 * session's RTP leaves from the pair its own worker announced, an RTCP receiver report sent to
 * the announced RTCP port reaches the owning worker, /metrics and /healthz report the sum and
 * each worker, and SIGTERM to the primary sends BYE to every session and exits 0 (which the
 * primary only does when every worker stopped by itself before the deadline).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { encodeRtcpCompound } from "../../src/protocol/rtcp.js"
import { eventually } from "../support/polling.js"
import {
  healthOf,
  playUdp,
  rtcpPackets,
  sampleValue,
  scrapeUntil,
  startCluster,
  workerOwning
} from "./workersKit.js"

const STANDARD_SESSIONS = 4

describe("serve --workers 2", () => {
  it.scopedLive("spreads sessions over both workers, each on its own RTP/RTCP pair; SIGTERM: BYE to all, exit 0", () =>
    Effect.gen(function*() {
      const cluster = yield* startCluster(2)
      const ready = cluster.lines().filter((l) => l.message.startsWith("RTSP server listening on "))
      expect(ready).toHaveLength(1)
      expect(ready[0]?.message).toMatch(/ \(worker 0\), \d+\/\d+ \(worker 1\)$/)

      const health = yield* healthOf(cluster)
      expect(health.status).toBe("ok")
      expect(health.workers.map((w) => [w.worker, w.status])).toEqual([[0, "ok"], [1, "ok"]])
      const rtpPorts = health.workers.map((w) => w.rtpPort)
      expect(new Set(rtpPorts).size).toBe(2)
      for (const w of health.workers) expect(w.rtcpPort).toBe((w.rtpPort ?? 0) + 1)

      // One connection after another: the primary deals them out in turn.
      const standard = yield* Effect.forEach(Array.from({ length: STANDARD_SESSIONS }), () => playUdp(cluster.port))
      const classic = yield* playUdp(cluster.port, "classic")
      const everyone = [...standard, classic]
      yield* eventually(() => everyone.every((s) => s.rtp.received.length >= 10), 10_000)

      // Both workers serve, and every datagram of a session comes from the server_port its SETUP announced.
      const announced = standard.map((s) => s.serverPorts?.[0])
      expect(new Set(announced)).toEqual(new Set(rtpPorts))
      for (const session of standard) {
        expect(new Set(session.rtp.received.map((d) => d.fromPort))).toEqual(new Set([session.serverPorts?.[0]]))
      }
      // The classic reply names no server_port; its RTP still comes from one worker's own port.
      expect(new Set(classic.rtp.received.map((d) => d.fromPort)).size).toBe(1)
      expect(rtpPorts).toContain(classic.rtp.received[0]?.fromPort)

      // A receiver report to the announced RTCP port reaches the worker that owns the session.
      const reported = standard[0]!
      const owner = workerOwning(health, reported.serverPorts![0])!
      const other = 1 - owner
      const rr = encodeRtcpCompound([{
        _tag: "ReceiverReport",
        ssrc: 0x0badcafe,
        reports: [{ ssrc: reported.ssrc!, fractionLost: 64, cumulativeLost: 3, highestSeq: 1000, jitter: 900, lastSr: 0, delaySinceLastSr: 0 }]
      }])
      reported.rtcp.socket.send(rr, reported.serverPorts![1], "127.0.0.1")
      const scrape = yield* scrapeUntil(cluster, (text) => sampleValue(text, `rtsp_rtcp_receiver_reports_total{worker="${owner}"}`) === 1)
      expect(sampleValue(scrape, `rtsp_rtcp_receiver_reports_total{worker="${owner}"}`)).toBe(1)
      expect(sampleValue(scrape, `rtsp_rtcp_receiver_reports_total{worker="${other}"}`)).toBe(0)
      expect(sampleValue(scrape, "rtsp_rtcp_receiver_reports_total")).toBe(1)
      expect(sampleValue(scrape, `rtsp_rtcp_fraction_lost{worker="${owner}",session="${reported.sessionId}"}`)).toBe(0.25)

      // /metrics: each family once, the sum (no worker label) beside every worker's series.
      const types = scrape.split("\n").filter((l) => l.startsWith("# TYPE "))
      expect(new Set(types).size).toBe(types.length)
      const playing = (worker?: number) =>
        sampleValue(scrape, worker === undefined ? "rtsp_sessions{state=\"playing\"}" : `rtsp_sessions{worker="${worker}",state="playing"}`)
      expect(playing()).toBe(everyone.length)
      expect((playing(0) ?? 0) + (playing(1) ?? 0)).toBe(everyone.length)
      expect(playing(0)).toBeGreaterThan(0)
      expect(playing(1)).toBeGreaterThan(0)
      const packets = (label: string) => sampleValue(scrape, `rtsp_rtp_packets_sent_total${label}`) ?? Number.NaN
      expect(packets("")).toBe(packets("{worker=\"0\"}") + packets("{worker=\"1\"}"))
      expect([sampleValue(scrape, "rtsp_worker_up{worker=\"0\"}"), sampleValue(scrape, "rtsp_worker_up{worker=\"1\"}")]).toEqual([1, 1])

      // /healthz: the totals and each worker's share.
      const during = yield* healthOf(cluster)
      expect(during.sessions).toBe(everyone.length)
      expect(during.workers.reduce((sum, w) => sum + (w.sessions ?? 0), 0)).toBe(everyone.length)

      // SIGTERM to the primary: every worker stops gracefully, every standard session gets its BYE.
      cluster.kill("SIGTERM")
      const exit = yield* Effect.promise(() => cluster.exit)
      expect(exit).toEqual({ code: 0, signal: null })
      for (const session of standard) {
        yield* eventually(() => rtcpPackets(session.rtcp).some((p) => p._tag === "Goodbye"), 2000)
      }
      expect(cluster.lines().filter((l) => /^worker [01]: stopping \(SIGTERM\)$/.test(l.message))).toHaveLength(2)
      expect(cluster.lines().filter((l) => l.logLevel === "ERROR")).toEqual([])
    }))
})
