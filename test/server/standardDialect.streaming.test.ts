/** Standard dialect streaming: RTP and RTCP over UDP (PLAY, PAUSE, seeks, TEARDOWN, receiver reports) and interleaved TCP. */
import { describe, expect, it } from "@effect/vitest"
import { encodeRtcpCompound } from "../../src/protocol/rtcp.js"
import type { RtpPacket } from "../../src/protocol/rtp.js"
import { sessionIdOf } from "../support/rtspTestClient.js"
import { waitUntilAsync } from "../support/polling.js"
import { frameNumberOf, rebuildFrames, rtcp, rtp, sleep } from "./streamHelpers.js"
import { header, markers, rtpInfoOf, server, setupUdp, TS_PER_FRAME, useServer, withConnection, withPlayingSession, withUdpSession } from "./standardDialectKit.js"

useServer()

describe("standard dialect: streaming over UDP", () => {
  it("RTP headers: V=2, PT=26, one timestamp per frame, marker on its last packet, +4500 per frame, consecutive seq", () =>
    withPlayingSession({ Range: "npt=0-" }, async (client, session, play) => {
      expect(header(play, "Range")).toBe("npt=0-10")
      expect(await waitUntilAsync(() => markers(session.packets()) >= 6, 2000)).toBe(true)
      const teardown = await client.request("TEARDOWN", server.url(), { Session: session.id })
      expect(teardown.statusCode).toBe(200)
      for (const { data } of session.rtpRx.packets) {
        // V=2, P=0, X=0, CC=0; then M|PT.
        expect(data[0]).toBe(0x80)
        expect(data[1]! & 0x7f).toBe(26)
      }
      const packets = session.packets()
      const info = rtpInfoOf(play)
      expect([packets[0]!.header.sequenceNumber, packets[0]!.header.timestamp]).toEqual([info.seq, info.rtptime])
      for (const [i, p] of packets.entries()) {
        expect(p.header.ssrc).toBe(session.ssrc)
        expect(p.header.sequenceNumber).toBe((info.seq + i) & 0xffff)
        expect(p.header.csrcs).toEqual([])
        expect(p.paddingLength).toBe(0)
      }
      // Split into frames at the markers: every packet of a frame has its timestamp, only the last has the marker.
      const frames: Array<Array<RtpPacket>> = [[]]
      for (const p of packets) {
        frames[frames.length - 1]!.push(p)
        if (p.header.marker) frames.push([])
      }
      const whole = frames.filter((f) => f.length > 0 && f[f.length - 1]!.header.marker)
      expect(whole.length).toBeGreaterThanOrEqual(6)
      for (const [k, frame] of whole.entries()) {
        expect(frame.length).toBeGreaterThan(1)
        expect(new Set(frame.map((p) => p.header.timestamp))).toEqual(new Set([(info.rtptime + k * TS_PER_FRAME) >>> 0]))
        expect(frame.map((p) => p.header.marker)).toEqual(frame.map((_, i) => i === frame.length - 1))
      }
      // And they are the file's frames 0, 1, 2 ... rebuilt from RFC 2435.
      const rebuilt = rebuildFrames(whole.flat())
      const numbers = await Promise.all(rebuilt.slice(0, 6).map((f) => frameNumberOf(f.jpeg)))
      expect(numbers).toEqual([0, 1, 2, 3, 4, 5])
    }))

  it("PLAY with Range npt=5- starts at frame 100; RTP-Info matches the first packet", () =>
    withPlayingSession({ Range: "npt=5-" }, async (_client, session, play) => {
      expect(header(play, "Session")).toBe(`${session.id};timeout=60`)
      expect(header(play, "Range")).toBe("npt=5-10")
      const info = rtpInfoOf(play)
      expect(info.url).toBe(server.url("movie.Mjpeg/streamid=0"))
      expect(await waitUntilAsync(() => markers(session.packets()) >= 2, 2000)).toBe(true)
      const first = session.packets()[0]!
      expect(first.header.sequenceNumber).toBe(info.seq)
      expect(first.header.timestamp).toBe(info.rtptime)
      const frames = rebuildFrames(session.packets())
      expect(frames[0]!.timestamp).toBe(info.rtptime)
      expect(await frameNumberOf(frames[0]!.jpeg)).toBe(100)
      expect(await frameNumberOf(frames[1]!.jpeg)).toBe(101)
    }))

  it("PAUSE stops the flow at once; PLAY resumes with the next frame, seq and timestamp continuing", () =>
    withPlayingSession({}, async (client, session) => {
      expect(await waitUntilAsync(() => markers(session.packets()) >= 4, 2000)).toBe(true)
      const pause = await client.request("PAUSE", server.url(), { Session: session.id })
      expect(pause.statusCode).toBe(200)
      expect(header(pause, "Session")).toBe(`${session.id};timeout=60`)
      const atReply = session.rtpRx.packets.length
      await sleep(100)
      expect(session.rtpRx.packets.length).toBe(atReply)
      expect(server.info.sessions().find((s) => s.id === session.id)?.state).toBe("ready")
      const before = session.packets()
      const last = before[before.length - 1]!
      // The flow stopped between frames.
      expect(last.header.marker).toBe(true)
      const framesBefore = rebuildFrames(before)
      const lastFrame = await frameNumberOf(framesBefore[framesBefore.length - 1]!.jpeg)
      expect(lastFrame).toBe(framesBefore.length - 1)

      const resume = await client.request("PLAY", server.url(), { Session: session.id })
      expect(resume.statusCode).toBe(200)
      const info = rtpInfoOf(resume)
      expect(info.seq).toBe((last.header.sequenceNumber + 1) & 0xffff)
      expect(info.rtptime).toBe((last.header.timestamp + TS_PER_FRAME) >>> 0)
      expect(header(resume, "Range")).toBe(`npt=${(lastFrame! + 1) / 20}-10`)
      expect(await waitUntilAsync(() => markers(session.packets()) >= framesBefore.length + 2, 2000)).toBe(true)
      const after = session.packets().slice(before.length)
      expect(after[0]!.header.sequenceNumber).toBe(info.seq)
      expect(after[0]!.header.timestamp).toBe(info.rtptime)
      const resumed = rebuildFrames(after)
      expect(await frameNumberOf(resumed[0]!.jpeg)).toBe(lastFrame! + 1)
    }))

  it("a second PLAY while playing is 200 and changes nothing; PLAY with a Range while playing seeks", () =>
    withPlayingSession({}, async (client, session, first) => {
      const start = rtpInfoOf(first)
      expect(await waitUntilAsync(() => markers(session.packets()) >= 3, 2000)).toBe(true)
      const again = await client.request("PLAY", server.url(), { Session: session.id })
      expect(again.statusCode).toBe(200)
      expect(await waitUntilAsync(() => markers(session.packets()) >= 7, 2000)).toBe(true)
      // One unbroken stream: no restart, no repeated or skipped frame.
      const frames = rebuildFrames(session.packets())
      expect(frames.map((f) => f.timestamp)).toEqual(frames.map((_, k) => (start.rtptime + k * TS_PER_FRAME) >>> 0))

      const seek = await client.request("PLAY", server.url(), { Session: session.id, Range: "npt=8-" })
      expect(seek.statusCode).toBe(200)
      expect(header(seek, "Range")).toBe("npt=8-10")
      const info = rtpInfoOf(seek)
      expect(await waitUntilAsync(() => session.packets().some((p) => p.header.sequenceNumber === info.seq && p.header.timestamp === info.rtptime), 2000)).toBe(true)
      const packets = session.packets()
      const from = packets.findIndex((p) => p.header.sequenceNumber === info.seq)
      expect(await waitUntilAsync(() => markers(session.packets().slice(from)) >= 1, 2000)).toBe(true)
      const seeked = rebuildFrames(session.packets().slice(from))
      expect(await frameNumberOf(seeked[0]!.jpeg)).toBe(160)
    }))

  it("RTCP SR + SDES CNAME at stream start, matching the first frame", () =>
    withPlayingSession({}, async (_client, session) => {
      expect(await waitUntilAsync(() => session.rtcpRx.packets.length >= 1 && markers(session.packets()) >= 1, 2000)).toBe(true)
      const [sr, sdes, ...rest] = session.rtcpPackets()[0]!
      expect(rest).toEqual([])
      const packets = session.packets()
      const firstFrame = packets.slice(0, packets.findIndex((p) => p.header.marker) + 1)
      expect(sr).toMatchObject({
        _tag: "SenderReport",
        ssrc: session.ssrc,
        rtpTimestamp: firstFrame[0]!.header.timestamp,
        packetCount: firstFrame.length,
        octetCount: firstFrame.reduce((n, p) => n + p.payload.length, 0),
        reports: []
      })
      expect(sdes).toEqual({
        _tag: "SourceDescription",
        chunks: [{ ssrc: session.ssrc, items: [{ type: 1, value: `effect-rtsp-${session.ssrc.toString(16)}` }] }]
      })
    }))

  it("TEARDOWN: 200, RTCP BYE on the client's RTCP port, flow stops, session gone", () =>
    withPlayingSession({}, async (client, session) => {
      expect(await waitUntilAsync(() => markers(session.packets()) >= 2, 2000)).toBe(true)
      const teardown = await client.request("TEARDOWN", server.url(), { Session: session.id })
      expect(teardown.statusCode).toBe(200)
      expect(server.info.sessions().some((s) => s.id === session.id)).toBe(false)
      const hasBye = () => session.rtcpPackets().some((c) => c.some((p) => p._tag === "Goodbye"))
      expect(await waitUntilAsync(hasBye, 1000)).toBe(true)
      const bye = session.rtcpPackets().find((c) => c.some((p) => p._tag === "Goodbye"))!
      expect(bye.map((p) => p._tag)).toEqual(["SenderReport", "SourceDescription", "Goodbye"])
      expect(bye[2]).toEqual({ _tag: "Goodbye", ssrcs: [session.ssrc], reason: "teardown" })
      const count = session.rtpRx.packets.length
      await sleep(100)
      expect(session.rtpRx.packets.length).toBe(count)
      const late = await client.request("PLAY", server.url(), { Session: session.id })
      expect(late.statusCode).toBe(454)
    }))

  it("initial sequence number, timestamp and SSRC are random per session", () =>
    withConnection(async (client, own) => {
      const starts: Array<{ seq: number; rtptime: number; ssrc: number }> = []
      for (let i = 0; i < 3; i++) {
        const session = own(await setupUdp(client))
        const play = await client.request("PLAY", server.url(), { Session: session.id })
        const info = rtpInfoOf(play)
        starts.push({ seq: info.seq, rtptime: info.rtptime, ssrc: session.ssrc })
        await client.request("TEARDOWN", server.url(), { Session: session.id })
      }
      expect(new Set(starts.map((s) => s.ssrc)).size).toBe(3)
      expect(new Set(starts.map((s) => s.rtptime)).size).toBe(3)
      // 16-bit: three equal by chance has odds 2^-32.
      expect(new Set(starts.map((s) => s.seq)).size).toBeGreaterThan(1)
    }))

  it("closing the connection tears its sessions down (BYE, flow stops)", () =>
    withUdpSession(async (client, session, own) => {
      const idle = own(await setupUdp(client))
      expect((await client.request("PLAY", server.url(), { Session: session.id })).statusCode).toBe(200)
      expect(await waitUntilAsync(() => markers(session.packets()) >= 1, 2000)).toBe(true)
      client.close()
      const gone = () => !server.info.sessions().some((s) => s.id === session.id || s.id === idle.id)
      expect(await waitUntilAsync(gone, 1000)).toBe(true)
      expect(await waitUntilAsync(() => session.rtcpPackets().some((c) => c.some((p) => p._tag === "Goodbye" && p.reason === "connection closed")), 1000)).toBe(true)
      const count = session.rtpRx.packets.length
      await sleep(100)
      expect(session.rtpRx.packets.length).toBe(count)
    }))

  it("an RTCP receiver report from the client's RTCP port updates the session's metrics", () =>
    withUdpSession(async (_client, session) => {
      const before = server.metrics.snapshot().rtcpReceiverReports
      const rr = encodeRtcpCompound([{
        _tag: "ReceiverReport",
        ssrc: 0x0badcafe,
        reports: [{ ssrc: session.ssrc, fractionLost: 64, cumulativeLost: 3, highestSeq: 1000, jitter: 900, lastSr: 0, delaySinceLastSr: 0 }]
      }])
      session.rtcpRx.socket.send(rr, server.info.rtcpPort, "127.0.0.1")
      expect(await waitUntilAsync(() => server.metrics.snapshot().rtcpReceiverReports === before + 1, 1000)).toBe(true)
      const metrics = server.metrics.snapshot().sessions[session.id]!
      expect(metrics.receiverReports).toBe(1)
      expect(metrics.lastReceiverReport).toEqual({ fractionLost: 0.25, cumulativeLost: 3, jitterSeconds: 0.01 })
    }))
})

describe("standard dialect: interleaved TCP", () => {
  it("RTP on channel 0, RTCP (SR+SDES, then BYE) on channel 1", () =>
    withConnection(async (client) => {
      const setup = await client.request("SETUP", server.url("movie.Mjpeg/streamid=0"), { Transport: "RTP/AVP/TCP;unicast;interleaved=0-1" })
      expect(setup.statusCode).toBe(200)
      const id = sessionIdOf(setup)
      const ssrc = parseInt(/ssrc=([0-9A-F]{8})/.exec(header(setup, "Transport") ?? "")![1]!, 16)
      const play = await client.request("PLAY", server.url(), { Session: id, Range: "npt=0-" })
      expect(play.statusCode).toBe(200)
      const rtpFrames = () => client.interleaved.filter((f) => f.channel === 0).map((f) => rtp(f.payload))
      expect(await waitUntilAsync(() => markers(rtpFrames()) >= 3, 2000)).toBe(true)
      expect(client.interleaved.every((f) => f.channel === 0 || f.channel === 1)).toBe(true)
      const packets = rtpFrames()
      const info = rtpInfoOf(play)
      expect(packets[0]!.header).toMatchObject({ payloadType: 26, ssrc, sequenceNumber: info.seq, timestamp: info.rtptime })
      const frames = rebuildFrames(packets)
      expect(await Promise.all(frames.slice(0, 3).map((f) => frameNumberOf(f.jpeg)))).toEqual([0, 1, 2])
      const firstRtcp = rtcp(client.interleaved.find((f) => f.channel === 1)!.payload)
      expect(firstRtcp.map((p) => p._tag)).toEqual(["SenderReport", "SourceDescription"])
      expect(firstRtcp[0]).toMatchObject({ ssrc, rtpTimestamp: info.rtptime })

      const teardown = await client.request("TEARDOWN", server.url(), { Session: id })
      expect(teardown.statusCode).toBe(200)
      // The BYE is written before the reply on the same connection.
      const last = client.interleaved.filter((f) => f.channel === 1).map((f) => rtcp(f.payload)).pop()!
      expect(last[2]).toEqual({ _tag: "Goodbye", ssrcs: [ssrc], reason: "teardown" })
    }))
})
