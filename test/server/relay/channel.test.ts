/**
 * The relay's fan-out: each playing viewer gets every frame with its own SSRC, consecutive
 * sequence numbers and the publisher's timing from its own base; a viewer not playing gets
 * nothing; a sink that refuses a frame costs that viewer the frame, not the others; and
 * viewers' SRs carry the publisher's wallclock from its own SR.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { decodeRtcpCompound, ntpFromUnixMillis, unixMillisFromNtp } from "../../../src/protocol/rtcp.js"
import { rtpMarkerAt, rtpSequenceNumberAt, rtpSsrcAt, rtpTimestampAt } from "../../../src/protocol/rtp.js"
import type { ConnectionState, SessionEntry } from "../../../src/server/context.js"
import { newChannel, nextViewerTimestamp, recordPublisherReport, relayFrame } from "../../../src/server/relay/channel.js"
import type { IngestedFrame } from "../../../src/server/relay/frameIngest.js"
import type { PacketSink } from "../../../src/server/rtpSender.js"
import { newViewerSession, type ViewerSession } from "../../../src/server/session.js"

interface Captured {
  readonly packets: Array<Buffer>
  readonly rtcp: Array<Buffer>
  accept: boolean
}

const capturingSink = (captured: Captured): PacketSink => ({
  headerBuffer: (bytes) => Buffer.alloc(bytes),
  sendFrame: (headers, payloads) => {
    if (!captured.accept) return false
    payloads.forEach((payload, i) => captured.packets.push(Buffer.concat([headers.subarray(i * 12, (i + 1) * 12), payload])))
    return true
  },
  sendRtcp: (packet) => { captured.rtcp.push(packet) }
})

const viewer = (n: number): { readonly entry: SessionEntry<ViewerSession>; readonly captured: Captured } => {
  const captured: Captured = { packets: [], rtcp: [], accept: true }
  const session = newViewerSession({
    dialect: "standard", connectionId: n, peer: "127.0.0.1", path: "live/cam", controlUrl: "rtsp://x/live/cam",
    transport: { _tag: "Interleaved", rtpChannel: 0, rtcpChannel: 1 }, now: 0, isTaken: () => false
  })
  session.state = "playing"
  return { entry: { session, sink: capturingSink(captured), connection: {} as ConnectionState, rtcpPeerKey: undefined, ended: false, impairment: undefined }, captured }
}

const frame = (timestamp: number, packets = 3): IngestedFrame => ({
  _tag: "Frame", timestamp, width: 320, height: 240, jpegBytes: 300,
  payloads: Array.from({ length: packets }, (_, i) => Buffer.from([i, 1, 2, 3]))
})

describe("the relay's fan-out", () => {
  it("gives each playing viewer every frame with its own SSRC, consecutive sequence numbers and the publisher's timing from its own base", () => {
    const channel = newChannel("live/cam", 1, 26, 0)
    const a = viewer(1)
    const b = viewer(2)
    const paused = viewer(3)
    paused.entry.session.state = "ready"
    for (const v of [a, b, paused]) channel.viewers.add(v.entry)
    expect(nextViewerTimestamp(channel, a.entry.session, 0)).toBe(a.entry.session.timestampBase)
    for (let k = 0; k < 4; k++) relayFrame(channel, frame(1_000_000 + k * 4500), k * 50)
    for (const { entry, captured } of [a, b]) {
      const s = entry.session
      expect(captured.packets).toHaveLength(12)
      expect(captured.packets.every((p) => rtpSsrcAt(p, 0) === s.ssrc)).toBe(true)
      expect(captured.packets.map((p) => rtpSequenceNumberAt(p, 0))).toEqual(Array.from({ length: 12 }, (_, i) => (s.nextSeq - 12 + i) & 0xffff))
      expect(captured.packets.map((p) => rtpMarkerAt(p, 0))).toEqual([false, false, true, false, false, true, false, false, true, false, false, true])
      const stamps = captured.packets.filter((_, i) => i % 3 === 0).map((p) => rtpTimestampAt(p, 0))
      expect(stamps).toEqual([0, 4500, 9000, 13500].map((d) => (s.timestampBase + d) >>> 0))
      expect(s.stats).toMatchObject({ framesSent: 4, packetsSent: 12 })
    }
    expect(paused.captured.packets).toEqual([])
    expect(channel.stats).toMatchObject({ framesIn: 4, framesOut: 8, framesDropped: 0 })
    expect(channel.fps).toBeCloseTo(20, 6)
    // 25 ms after the last frame, the next one a viewer would get is about 2250 ticks on.
    expect(nextViewerTimestamp(channel, a.entry.session, 175)).toBe((a.entry.session.timestampBase + 13500 + 2250) >>> 0)
  })

  it("a sink that refuses a frame costs that viewer the frame (its sequence numbers still advance), and no one else", () => {
    const channel = newChannel("live/cam", 1, 26, 0)
    const slow = viewer(1)
    const fast = viewer(2)
    channel.viewers.add(slow.entry).add(fast.entry)
    relayFrame(channel, frame(0), 0)
    slow.captured.accept = false
    relayFrame(channel, frame(4500), 50)
    slow.captured.accept = true
    relayFrame(channel, frame(9000), 100)
    expect(slow.captured.packets).toHaveLength(6)
    expect(rtpSequenceNumberAt(slow.captured.packets[3]!, 0) - rtpSequenceNumberAt(slow.captured.packets[2]!, 0)).toBe(4)
    expect(fast.captured.packets).toHaveLength(9)
    expect(slow.entry.session.stats.framesDropped).toBe(1)
    expect(channel.stats).toMatchObject({ framesOut: 5, framesDropped: 1 })
  })

  it("viewers' SRs carry the publisher's wallclock: its SR's mapping from RTP time, not the arrival time", () => {
    const channel = newChannel("live/cam", 1, 26, 0)
    const v = viewer(1)
    channel.viewers.add(v.entry)
    // The publisher's SR: its RTP time 90000 was wallclock 1,700,000,000,000 ms.
    recordPublisherReport(channel, { _tag: "SenderReport", ssrc: 7, ntpTimestamp: ntpFromUnixMillis(1_700_000_000_000), rtpTimestamp: 90000, packetCount: 0, octetCount: 0, reports: [] })
    // A frame two seconds of media later, arriving at some unrelated clock time.
    relayFrame(channel, frame(90000 + 2 * 90000), 123_456)
    expect(v.captured.rtcp).toHaveLength(1)
    const decoded = decodeRtcpCompound(v.captured.rtcp[0]!)
    const sr = Either.getOrThrow(decoded)[0]
    if (sr?._tag !== "SenderReport") throw new Error("no SR first")
    expect(sr.ssrc >>> 0).toBe(v.entry.session.ssrc)
    expect(sr.rtpTimestamp >>> 0).toBe(v.entry.session.timestampBase)
    expect(unixMillisFromNtp(sr.ntpTimestamp)).toBeCloseTo(1_700_000_002_000, 0)
    // The next SR waits its interval.
    relayFrame(channel, frame(90000 + 3 * 90000), 124_456)
    expect(v.captured.rtcp).toHaveLength(1)
  })
})
