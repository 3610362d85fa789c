/**
 * The pure stream judgements, on hand-made packet lists: each fault a server can make shows up in
 * the right check with a readable actual value, and a clean stream passes.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  checkMarkers,
  checkPauseStops,
  checkRtpHeaders,
  checkRtpInfo,
  checkSequence,
  checkTimestamps,
  describeRtcp,
  findRtcp,
  type PacketRecord,
  type RtcpRecord
} from "../../../harness/conformance/streamAnalysis.js"

const pk = (seq: number, timestamp: number, marker: boolean, extra: Partial<PacketRecord> = {}): PacketRecord => ({
  seq, timestamp, marker, ssrc: 0xabc, payloadType: 26, arrivalMs: 0, data: Buffer.alloc(0), ...extra
})

/** `frames` frames of `per` packets each, from seq0/ts0, stepping `step`; marker on each frame's last packet. */
const stream = (frames: number, per: number, seq0: number, ts0: number, step: number): Array<PacketRecord> => {
  const out: Array<PacketRecord> = []
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < per; i++) out.push(pk((seq0 + f * per + i) & 0xffff, (ts0 + f * step) >>> 0, i === per - 1, { arrivalMs: f * 50 + i }))
  }
  return out
}

describe("checkSequence", () => {
  it("passes consecutive numbers across the 16-bit wrap", () => {
    const outcome = checkSequence(stream(4, 3, 65530, 0, 4500))
    expect(outcome).toMatchObject({ status: "PASS", actual: "12 packets, seq 65530..5, no gaps" })
  })
  it.each([
    { name: "a gap", seqs: [1, 2, 5, 6], actual: "2 missing in 4 packets: 5 after 2" },
    { name: "a duplicate", seqs: [1, 2, 2, 3], actual: "1 duplicate in 4 packets: seq 2 twice" },
    { name: "reordering", seqs: [1, 3, 2, 4], actual: "1 out of order in 4 packets: 3 after 1; 2 after 3; 4 after 2" },
    { name: "a late packet after a wrap", seqs: [65534, 65535, 1, 0, 2], actual: "1 out of order in 5 packets: 1 after 65535; 0 after 1; 2 after 0" },
    { name: "a single packet", seqs: [7], actual: "only 1 packet received" }
  ])("fails $name", ({ seqs, actual }) => {
    const outcome = checkSequence(seqs.map((s) => pk(s, 0, true)))
    expect(outcome).toMatchObject({ status: "FAIL", actual })
  })
})

describe("checkTimestamps", () => {
  it("passes 90000/fps steps across the 32-bit wrap", () => {
    expect(checkTimestamps(stream(5, 2, 100, 0xffff_f000, 4500), 20)).toMatchObject({ status: "PASS", actual: "5 frames, steps 4500" })
  })
  it("allows ±1 for a fractional rate's rounding", () => {
    const packets = [0, 3003, 6006, 9009, 12012, 15015].map((t, i) => pk(i, Math.round(t * 1.000001), true))
    expect(checkTimestamps(packets, 29.97)).toMatchObject({ status: "PASS" })
  })
  it("fails a step that does not match the SDP's frame rate", () => {
    const outcome = checkTimestamps(stream(4, 2, 0, 0, 3000), 20)
    expect(outcome).toMatchObject({ status: "FAIL", expected: "timestamps advance by 4500 (90000/20) per frame" })
    expect(outcome.actual).toBe("3 bad steps over 4 frames: step 3000 at seq 2; step 3000 at seq 4; step 3000 at seq 6")
  })
  it("fails a timestamp that goes back", () => {
    const packets = [pk(1, 9000, true), pk(2, 13500, true), pk(3, 4500, true)]
    expect(checkTimestamps(packets, 20).actual).toContain("timestamp 4500 (seq 3) goes back from 13500")
  })
  it("accepts whole steps over a packet loss, but not over consecutive packets", () => {
    const lost = [pk(1, 0, true), pk(2, 4500, true), pk(4, 13500, true)]
    expect(checkTimestamps(lost, 20).status).toBe("PASS")
    const skipped = [pk(1, 0, true), pk(2, 4500, true), pk(3, 13500, true)]
    expect(checkTimestamps(skipped, 20)).toMatchObject({ status: "FAIL", actual: "1 bad step over 3 frames: step 9000 at seq 3" })
  })
  it("without a frame rate, wants a steady step", () => {
    expect(checkTimestamps(stream(4, 1, 0, 0, 3600), undefined)).toMatchObject({ status: "PASS", actual: "4 frames, steps 3600" })
    const uneven = [0, 3600, 7200, 9000, 12600].map((t, i) => pk(i, t, true))
    expect(checkTimestamps(uneven, undefined)).toMatchObject({ status: "FAIL", actual: "1 bad step over 5 frames: step 1800 at seq 3" })
  })
})

describe("checkMarkers", () => {
  it("passes M=1 on each frame's last packet", () => {
    expect(checkMarkers(stream(3, 4, 0, 0, 4500))).toMatchObject({ status: "PASS", actual: "2 frames end with M=1, none mid-frame" })
  })
  it("fails frames that end without the marker, and markers inside a frame", () => {
    const packets = [pk(1, 0, false), pk(2, 0, true), pk(3, 0, false), pk(4, 4500, false), pk(5, 9000, true)]
    const outcome = checkMarkers(packets)
    expect(outcome.status).toBe("FAIL")
    expect(outcome.actual).toBe("2 of 2 frames end without M=1 (seq 3; seq 4); M=1 inside a frame 1 time (seq 2)")
  })
  it("does not judge a boundary across a lost packet", () => {
    const packets = [pk(1, 0, true), pk(3, 4500, false), pk(4, 9000, true), pk(5, 13500, true)]
    expect(checkMarkers(packets)).toMatchObject({ status: "FAIL", actual: "1 of 2 frames end without M=1 (seq 3)" })
  })
  it("fails when the timestamp never changes", () => {
    expect(checkMarkers([pk(1, 0, false), pk(2, 0, false)]).actual).toBe("no frame boundary seen (the timestamp never changed)")
  })
})

describe("checkRtpInfo", () => {
  const track = "rtsp://127.0.0.1:8554/movie.Mjpeg/streamid=0"
  const first = pk(4242, 123456, false)
  it("passes seq and rtptime equal to the first packet, with an absolute or a relative url", () => {
    expect(checkRtpInfo("x", [{ url: track, seq: 4242, rtptime: 123456 }], track, first)).toMatchObject({ status: "PASS", actual: "seq=4242 rtptime=123456, as the first packet" })
    expect(checkRtpInfo("x", [{ url: "streamid=0", seq: 4242, rtptime: 123456 }], track, first).status).toBe("PASS")
    expect(checkRtpInfo("x", [{ url: `${track}/`, seq: 4242, rtptime: 123456 }], `rtsp://user:pw@127.0.0.1:8554/movie.Mjpeg/streamid=0`, first).status).toBe("PASS")
  })
  it.each([
    { name: "no header", header: undefined, entries: undefined, actual: "PLAY reply has no RTP-Info header" },
    { name: "an unparseable header", header: "garbage", entries: undefined, actual: "RTP-Info does not parse: garbage" },
    { name: "a wrong seq", header: "x", entries: [{ url: track, seq: 4241, rtptime: 123456 }], actual: "seq=4241 but the first packet has seq 4242" },
    { name: "a wrong rtptime", header: "x", entries: [{ url: track, seq: 4242, rtptime: 1 }], actual: "rtptime=1 but the first packet has timestamp 123456" },
    { name: "missing parameters", header: "x", entries: [{ url: track }], actual: "no seq=; no rtptime=" },
    { name: "another stream's url", header: "x", entries: [{ url: "rtsp://127.0.0.1:8554/other/streamid=1", seq: 4242, rtptime: 123456 }], actual: `url=rtsp://127.0.0.1:8554/other/streamid=1 is not the track ${track}` }
  ])("fails $name", ({ header, entries, actual }) => {
    expect(checkRtpInfo(header, entries, track, first)).toMatchObject({ status: "FAIL", actual })
  })
})

describe("checkRtpHeaders", () => {
  it("passes one SSRC, the SDP's payload type, and the announced SSRC", () => {
    expect(checkRtpHeaders(stream(2, 2, 0, 0, 4500), { payloadType: 26, ssrc: 0xabc, undecodable: 0 })).toMatchObject({
      status: "PASS", actual: "4 packets: V=2, PT=26, SSRC 0x00000abc"
    })
  })
  it("fails another payload type, a second SSRC, a different SSRC than announced, and non-RTP datagrams", () => {
    const packets = [pk(1, 0, true), pk(2, 0, true, { payloadType: 96 }), pk(3, 0, true, { ssrc: 0xdef })]
    const outcome = checkRtpHeaders(packets, { payloadType: 26, ssrc: 0xabc, undecodable: 2, firstUndecodable: "BadVersion" })
    expect(outcome.status).toBe("FAIL")
    expect(outcome.actual).toBe("2 datagrams not RTP (BadVersion); PT 26, 96; 2 SSRCs: 0x00000abc, 0x00000def; and 1 more")
  })
})

describe("checkPauseStops", () => {
  const window = { pausedAtMs: 1000, graceMs: 250, observedMs: 500 }
  it("passes when nothing arrives after the grace", () => {
    expect(checkPauseStops([pk(1, 0, true, { arrivalMs: 900 }), pk(2, 0, true, { arrivalMs: 1200 })], window).status).toBe("PASS")
  })
  it("fails packets that keep coming, saying which and how late", () => {
    const packets = [pk(1, 0, true, { arrivalMs: 900 }), pk(2, 0, true, { arrivalMs: 1300 }), pk(3, 0, true, { arrivalMs: 1600 })]
    expect(checkPauseStops(packets, window)).toMatchObject({ status: "FAIL", actual: "2 packets (seq 2..3) arrived up to 600 ms after the PAUSE reply" })
  })
})

describe("findRtcp and describeRtcp", () => {
  const records: Array<RtcpRecord> = [
    { arrivalMs: 10, packets: [{ _tag: "SenderReport", ssrc: 0xabc, ntpTimestamp: { msw: 0, lsw: 0 }, rtpTimestamp: 0, packetCount: 0, octetCount: 0, reports: [] }] },
    { arrivalMs: 20, packets: [{ _tag: "SourceDescription", chunks: [] }, { _tag: "Goodbye", ssrcs: [0xdef] }] },
    { arrivalMs: 30, packets: [{ _tag: "Goodbye", ssrcs: [0xabc], reason: "teardown" }] }
  ]
  it("finds the first packet of a kind for the SSRC since a time", () => {
    expect(findRtcp(records, "SenderReport", 0xabc, 0)?.arrivalMs).toBe(10)
    expect(findRtcp(records, "SenderReport", 0xabc, 11)).toBeUndefined()
    expect(findRtcp(records, "Goodbye", 0xabc, 0)?.arrivalMs).toBe(30)
    expect(findRtcp(records, "Goodbye", undefined, 0)?.arrivalMs).toBe(20)
  })
  it("says what arrived instead", () => {
    expect(describeRtcp(records, 15, "Goodbye", 0x123)).toBe("2 RTCP compounds (SDES, BYE), no BYE for SSRC 0x00000123")
    expect(describeRtcp(records, 100, "SenderReport", 0xabc)).toBe("no RTCP at all")
  })
})
