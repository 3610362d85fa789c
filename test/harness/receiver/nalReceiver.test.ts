/**
 * The H.264/H.265 receiver against streams built here: real SPS NAL units (libx264's and
 * libx265's, test/protocol/h26x/sps.test.ts; GStreamer's from its sprop-*), packetized by the
 * test kit's own packetizers (single NAL units, STAP-A/AP, FU-A/FU at an MTU), each packet behind
 * a 12-byte RTP header, arriving at known times. A table of streams gives the figures each must
 * give; a property over random GOP patterns checks keyframes, GOP and frames against the pattern.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { makeNalReceiver, type NalCodec, type NalFigures, type NalReceiverOptions } from "../../../harness/receiver/nalReceiver.js"
import { makeRfc6184Depacketizer, nalType } from "../../../src/protocol/h264/rfc6184Depacketizer.js"
import { parseH264Sps } from "../../../src/protocol/h264/sps.js"
import { h265NalType, makeRfc7798Depacketizer } from "../../../src/protocol/h265/rfc7798Depacketizer.js"
import { parseH265Sps } from "../../../src/protocol/h265/sps.js"
import type { AccessUnit } from "../../../src/protocol/nal/nalDepacketizer.js"
import type { SequenceParameters, SpsError } from "../../../src/protocol/nal/sequenceParameters.js"
import { spropParameterSets } from "../../../src/protocol/nal/spropParameterSets.js"
import { writeRtpHeader } from "../../../src/protocol/rtp.js"
import { parseFormatParameters } from "../../../src/protocol/sdpTracks.js"
import { hex, type NalFormatForTests, packetize } from "../../protocol/nal/nalTestKit.js"

// ---------------------------------------------------------------------------
// NAL units
// ---------------------------------------------------------------------------

/** A NAL unit: its header, then `size` bytes of a pattern (what a slice holds does not matter here). */
const nal = (header: ReadonlyArray<number>, size: number): Buffer =>
  Buffer.concat([Buffer.from(header), Buffer.from(Array.from({ length: size }, (_, i) => (i * 37 + 11) & 0xff))])

const H264 = {
  // libx264 baseline 320x240 and high 1920x1080 (test/protocol/h264/sps.test.ts).
  sps320: hex("6742c00dd90141fb011000000300100000030320f142a480"),
  sps1080: hex("67640028acd940780227e5c044000003000400000300c83c60c658"),
  spsCut: hex("6742c00d"),
  pps: hex("68ce3c80"),
  idr: (size: number) => nal([0x65, 0x88], size),
  p: (size: number) => nal([0x41, 0x9a], size),
  sei: hex("0605ff0102030480")
}

const H265 = {
  // GStreamer's VPS and PPS (its sprop-*), libx265's Main 320x240 SPS (test/protocol/h265/sps.test.ts).
  vps: hex("40010c01ffff01600000030090000003000003003cba0240"),
  sps320: hex("42010101600000030090000003000003003ca00a080f165959a4932bc05a020000030002000003003210"),
  spsCut: hex("4201 0101600000"),
  pps: hex("4401c172b46240"),
  /** IDR_W_RADL (19) and CRA (21): keyframes. TRAIL_R (1): not. Prefix SEI (39): no picture. */
  idr: (size: number) => nal([19 << 1, 0x01], size),
  cra: (size: number) => nal([21 << 1, 0x01], size),
  trail: (size: number) => nal([1 << 1, 0x01], size),
  sei: hex("4e01 0501ff80")
}

const readSps = (codec: NalCodec, unit: Buffer): Either.Either<SequenceParameters, SpsError> => (codec === "H264" ? parseH264Sps(unit) : parseH265Sps(unit))
const spsOf = (codec: NalCodec, unit: Buffer): SequenceParameters => Either.getOrThrow(readSps(codec, unit))
const spsErrorOf = (codec: NalCodec, unit: Buffer): string => {
  const read = readSps(codec, unit)
  if (Either.isRight(read)) throw new Error("expected an unreadable SPS")
  return read.left.message
}

// ---------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------

/** The test kit's packetizers, as the RFC 6184 and RFC 7798 tests set them up. */
const FORMATS: Readonly<Record<NalCodec, NalFormatForTests>> = {
  H264: {
    name: "RFC 6184",
    make: makeRfc6184Depacketizer,
    arbNal: fc.constant(H264.p(1)),
    isKeyframe: (n) => nalType(n[0]!) === 5,
    headerBytes: 1,
    aggregateHeader: (group) => Buffer.from([group.reduce((max, n) => Math.max(max, n[0]! & 0x60), 0) | 24]),
    fragmentHeaders: (n, first, last) => Buffer.from([(n[0]! & 0xe0) | 28, (first ? 0x80 : 0) | (last ? 0x40 : 0) | nalType(n[0]!)])
  },
  H265: {
    name: "RFC 7798",
    make: makeRfc7798Depacketizer,
    arbNal: fc.constant(H265.trail(1)),
    isKeyframe: (n) => h265NalType(n[0]!) >= 16 && h265NalType(n[0]!) <= 21,
    headerBytes: 2,
    aggregateHeader: (group) => Buffer.from([48 << 1, group.reduce((min, n) => Math.min(min, n[1]! & 0x07), 7)]),
    fragmentHeaders: (n, first, last) => Buffer.from([(n[0]! & 0x81) | (49 << 1), n[1]!, (first ? 0x80 : 0) | (last ? 0x40 : 0) | h265NalType(n[0]!)])
  }
}

const SSRC = 0x1c0ffee5
const PLAY_MS = 1000
const START_MS = 1100
/** 25 fps: 3600 ticks of 90 kHz and 40 ms between units; a unit's packets 0.25 ms apart. */
const TICKS = 3600
const FRAME_MS = 40

interface Datagram {
  readonly bytes: Buffer
  readonly atMs: number
  /** Which access unit, and which of its packets. */
  readonly unit: number
  readonly packet: number
}

interface StreamOptions {
  readonly mtu?: number
  readonly firstSeq?: number
  readonly ssrc?: number
}

const stream = (codec: NalCodec, units: ReadonlyArray<ReadonlyArray<Buffer>>, options: StreamOptions = {}): Array<Datagram> => {
  let seq = options.firstSeq ?? 65000
  return units.flatMap((nals, unit) => {
    const packets = packetize(FORMATS[codec], nals, options.mtu ?? 1200, (unit * TICKS) >>> 0, seq)
    seq = (seq + packets.length) & 0xffff
    return packets.map((p, packet) => {
      const bytes = Buffer.alloc(12 + p.payload.length)
      writeRtpHeader(bytes, 0, p.marker, 96, p.sequenceNumber, p.timestamp, options.ssrc ?? SSRC)
      Buffer.from(p.payload).copy(bytes, 12)
      return { bytes, atMs: START_MS + unit * FRAME_MS + packet * 0.25, unit, packet }
    })
  })
}

type Receiver = ReturnType<typeof makeNalReceiver>

/** Feeds every datagram; the frames the calls said they completed. */
const feed = (receiver: Receiver, datagrams: ReadonlyArray<Datagram>): number =>
  datagrams.reduce((frames, d) => frames + receiver.countRtp(d.bytes, 0, d.bytes.length, d.atMs), 0)

const received = (options: NalReceiverOptions, datagrams: ReadonlyArray<Datagram>) => {
  const receiver = makeNalReceiver(options)
  receiver.onPlaySent(PLAY_MS)
  const completed = feed(receiver, datagrams)
  return { receiver, completed, nal: receiver.nalFigures(), frames: receiver.snapshot().frames }
}

/** When the unit's last packet that arrived came, after PLAY. */
const unitDoneMs = (datagrams: ReadonlyArray<Datagram>, unit: number): number =>
  datagrams.filter((d) => d.unit === unit).at(-1)!.atMs - PLAY_MS

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

const H265_GSTREAMER_SPROP = Either.getOrThrow(spropParameterSets(
  "H265",
  parseFormatParameters("sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwA8ugJA;sprop-sps=QgEBAWAAAAMAkAAAAwAAAwA8oAoIDxZbqSTK8BaAgAAAAwCAAAAMhA==;sprop-pps=RAHBcrRiQA==")
))

interface ReceiverVector {
  readonly name: string
  readonly codec: NalCodec
  readonly spropUnits?: ReadonlyArray<Buffer>
  readonly units: ReadonlyArray<ReadonlyArray<Buffer>>
  /** Packets that never arrive. */
  readonly lost?: ReadonlyArray<{ readonly unit: number; readonly packet: number }>
  /** The figures, but for firstKeyframeMs, which is the end of this unit. */
  readonly nal: Omit<NalFigures, "firstKeyframeMs">
  readonly firstKeyframeUnit?: number
  readonly frames: { readonly framesReceived: number; readonly framesDropped: number; readonly droppedByReason: Readonly<Record<string, number>> }
}

const NO_DROPS = { framesDropped: 0, droppedByReason: {} }

export const RECEIVER_VECTORS: ReadonlyArray<ReceiverVector> = [
  {
    name: "H.264: SPS, PPS and IDR in one unit (STAP-A, FU-A), then P slices: every unit a frame, the SPS from the stream",
    codec: "H264",
    units: [[H264.sps320, H264.pps, H264.idr(3000)], [H264.p(500)], [H264.p(2000)], [H264.sei, H264.p(300)]],
    nal: { codec: "H264", parameterSetsFromSdp: 0, parameterSetsInBand: 2, sps: { ...spsOf("H264", H264.sps320), source: "in-band" }, keyframes: 1, brokenUnits: 0, problems: {} },
    firstKeyframeUnit: 0,
    frames: { framesReceived: 4, ...NO_DROPS }
  },
  {
    name: "H.264: units of parameter sets or SEI alone are no frames, and no GOP slot",
    codec: "H264",
    units: [[H264.sps320, H264.pps], [H264.idr(200)], [H264.sei], [H264.p(200)], [H264.sps320, H264.pps], [H264.idr(200)]],
    nal: {
      codec: "H264",
      parameterSetsFromSdp: 0,
      parameterSetsInBand: 4,
      sps: { ...spsOf("H264", H264.sps320), source: "in-band" },
      keyframes: 2,
      gop: { count: 1, minFrames: 2, maxFrames: 2, lastFrames: 2 },
      brokenUnits: 0,
      problems: {}
    },
    firstKeyframeUnit: 1,
    frames: { framesReceived: 3, ...NO_DROPS }
  },
  {
    name: "H.264: the SPS of the description (source sdp) is kept over a different one in band",
    codec: "H264",
    spropUnits: [H264.sps1080, H264.pps],
    units: [[H264.sps320, H264.pps, H264.idr(300)], [H264.p(300)]],
    nal: { codec: "H264", parameterSetsFromSdp: 2, parameterSetsInBand: 2, sps: { ...spsOf("H264", H264.sps1080), source: "sdp" }, keyframes: 1, brokenUnits: 0, problems: {} },
    firstKeyframeUnit: 0,
    frames: { framesReceived: 2, ...NO_DROPS }
  },
  {
    name: "H.264: an unreadable SPS in band gives the reader's reason, and the frames still count",
    codec: "H264",
    units: [[H264.spsCut, H264.pps, H264.idr(300)], [H264.p(300)]],
    nal: { codec: "H264", parameterSetsFromSdp: 0, parameterSetsInBand: 2, spsError: spsErrorOf("H264", H264.spsCut), keyframes: 1, brokenUnits: 0, problems: {} },
    firstKeyframeUnit: 0,
    frames: { framesReceived: 2, ...NO_DROPS }
  },
  {
    name: "H.264: an unreadable SPS in the description, a readable one in band: that one, and no error",
    codec: "H264",
    spropUnits: [H264.spsCut, H264.pps],
    units: [[H264.sps320, H264.pps, H264.idr(300)]],
    nal: { codec: "H264", parameterSetsFromSdp: 2, parameterSetsInBand: 2, sps: { ...spsOf("H264", H264.sps320), source: "in-band" }, keyframes: 1, brokenUnits: 0, problems: {} },
    firstKeyframeUnit: 0,
    frames: { framesReceived: 1, ...NO_DROPS }
  },
  {
    name: "H.264: a lost middle fragment of a P slice breaks its unit; the frame is dropped under the first problem and keeps its GOP slot",
    codec: "H264",
    units: [[H264.sps320, H264.pps, H264.idr(300)], [H264.p(300)], [H264.p(3000)], [H264.p(300)], [H264.idr(300)]],
    lost: [{ unit: 2, packet: 1 }],
    nal: {
      codec: "H264",
      parameterSetsFromSdp: 0,
      parameterSetsInBand: 2,
      sps: { ...spsOf("H264", H264.sps320), source: "in-band" },
      keyframes: 2,
      gop: { count: 1, minFrames: 4, maxFrames: 4, lastFrames: 4 },
      brokenUnits: 1,
      problems: { SequenceGap: 1, FragmentWithoutEnd: 1, FragmentWithoutStart: 1 }
    },
    firstKeyframeUnit: 0,
    frames: { framesReceived: 4, framesDropped: 1, droppedByReason: { SequenceGap: 1 } }
  },
  {
    name: "H.264: the IDR's first fragment lost: no keyframe until the next one, which PLAY is measured to",
    codec: "H264",
    units: [[H264.sps320, H264.pps, H264.idr(3000)], [H264.p(300)], [H264.idr(3000)], [H264.p(300)]],
    // Packet 0 is the STAP-A of SPS and PPS, packet 1 the IDR's first FU-A.
    lost: [{ unit: 0, packet: 1 }],
    nal: {
      codec: "H264",
      parameterSetsFromSdp: 0,
      parameterSetsInBand: 2,
      sps: { ...spsOf("H264", H264.sps320), source: "in-band" },
      keyframes: 1,
      brokenUnits: 1,
      problems: { SequenceGap: 1, FragmentWithoutStart: 2 }
    },
    firstKeyframeUnit: 2,
    frames: { framesReceived: 3, framesDropped: 1, droppedByReason: { SequenceGap: 1 } }
  },
  {
    name: "H.264: the marker packet lost: the unit ends at the next timestamp, without its marker",
    codec: "H264",
    units: [[H264.idr(300)], [H264.p(3000)], [H264.p(300)]],
    lost: [{ unit: 1, packet: 2 }],
    nal: { codec: "H264", parameterSetsFromSdp: 0, parameterSetsInBand: 0, keyframes: 1, brokenUnits: 1, problems: { EndedWithoutMarker: 1, FragmentWithoutEnd: 1 } },
    firstKeyframeUnit: 0,
    frames: { framesReceived: 2, framesDropped: 1, droppedByReason: { EndedWithoutMarker: 1 } }
  },
  {
    name: "H.265: VPS, SPS, PPS in an AP with an IDR, TRAIL_R slices, a CRA keyframe",
    codec: "H265",
    units: [[H265.vps, H265.sps320, H265.pps, H265.idr(2000)], [H265.trail(400)], [H265.sei, H265.trail(400)], [H265.cra(2500)], [H265.trail(100)]],
    nal: {
      codec: "H265",
      parameterSetsFromSdp: 0,
      parameterSetsInBand: 3,
      sps: { ...spsOf("H265", H265.sps320), source: "in-band" },
      keyframes: 2,
      gop: { count: 1, minFrames: 3, maxFrames: 3, lastFrames: 3 },
      brokenUnits: 0,
      problems: {}
    },
    firstKeyframeUnit: 0,
    frames: { framesReceived: 5, ...NO_DROPS }
  },
  {
    name: "H.265: GStreamer's sprop-vps/sps/pps read before any packet (source sdp)",
    codec: "H265",
    spropUnits: H265_GSTREAMER_SPROP,
    units: [[H265.idr(800)], [H265.trail(200)], [H265.sei]],
    nal: { codec: "H265", parameterSetsFromSdp: 3, parameterSetsInBand: 0, sps: { ...spsOf("H265", H265_GSTREAMER_SPROP[1]!), source: "sdp" }, keyframes: 1, brokenUnits: 0, problems: {} },
    firstKeyframeUnit: 0,
    frames: { framesReceived: 2, ...NO_DROPS }
  },
  {
    name: "H.265: an unreadable SPS in band, and a lost FU in a TRAIL_R",
    codec: "H265",
    units: [[H265.vps, H265.spsCut, H265.pps, H265.idr(300)], [H265.trail(3000)], [H265.trail(300)]],
    lost: [{ unit: 1, packet: 1 }],
    nal: {
      codec: "H265",
      parameterSetsFromSdp: 0,
      parameterSetsInBand: 3,
      spsError: spsErrorOf("H265", H265.spsCut),
      keyframes: 1,
      brokenUnits: 1,
      problems: { SequenceGap: 1, FragmentWithoutEnd: 1, FragmentWithoutStart: 1 }
    },
    firstKeyframeUnit: 0,
    frames: { framesReceived: 2, framesDropped: 1, droppedByReason: { SequenceGap: 1 } }
  }
]

const vectorStream = (v: ReceiverVector): Array<Datagram> =>
  stream(v.codec, v.units).filter((d) => !(v.lost ?? []).some((l) => l.unit === d.unit && l.packet === d.packet))

describe("NalReceiver vectors", () => {
  it.each(RECEIVER_VECTORS)("$name", (v) => {
    const all = stream(v.codec, v.units)
    const datagrams = vectorStream(v)
    // Each loss names a packet the stream has.
    expect(all.length - datagrams.length).toBe(v.lost?.length ?? 0)
    const { completed, nal, frames } = received({ codec: v.codec, clockRate: 90000, ...(v.spropUnits === undefined ? {} : { spropUnits: v.spropUnits }) }, datagrams)
    expect(nal).toStrictEqual({
      ...v.nal,
      ...(v.firstKeyframeUnit === undefined ? {} : { firstKeyframeMs: unitDoneMs(datagrams, v.firstKeyframeUnit) })
    })
    expect({ framesReceived: frames.framesReceived, framesDropped: frames.framesDropped, droppedByReason: frames.droppedByReason }).toStrictEqual(v.frames)
    expect(completed).toBe(v.frames.framesReceived)
  })

  it("the SPS figures are the picture's: 320x240 from the stream, 1920x1080 from the description", () => {
    const fromStream = received({ codec: "H264", clockRate: 90000 }, vectorStream(RECEIVER_VECTORS[0]!)).nal.sps
    const fromSdp = received({ codec: "H264", clockRate: 90000, spropUnits: [H264.sps1080] }, []).nal.sps
    expect(fromStream).toMatchObject({ profile: "Constrained Baseline", width: 320, height: 240, source: "in-band" })
    expect(fromSdp).toMatchObject({ profile: "High", level: "4", width: 1920, height: 1080, source: "sdp" })
  })
})

describe("NalReceiver: first keyframe after PLAY", () => {
  const units = [[H264.p(100)], [H264.p(100)], [H264.sps320, H264.pps, H264.idr(2500)], [H264.p(100)], [H264.idr(100)]]

  it("is the end of the first whole keyframe, counted from PLAY", () => {
    const datagrams = stream("H264", units)
    const { nal } = received({ codec: "H264", clockRate: 90000 }, datagrams)
    // Unit 2 starts 80 ms after the first, 180 ms after PLAY; its IDR is in FU-As after the STAP-A.
    expect(nal.firstKeyframeMs).toBe(180 + 0.25 * (datagrams.filter((d) => d.unit === 2).length - 1))
  })

  it("is not measured without PLAY, and a keyframe before PLAY does not count", () => {
    const datagrams = stream("H264", units)
    const never = makeNalReceiver({ codec: "H264", clockRate: 90000 })
    feed(never, datagrams)
    expect(never.nalFigures().firstKeyframeMs).toBeUndefined()
    expect(never.nalFigures().keyframes).toBe(2)

    const late = makeNalReceiver({ codec: "H264", clockRate: 90000 })
    const firstIdrDone = datagrams.map((d) => d.unit).lastIndexOf(2)
    feed(late, datagrams.slice(0, firstIdrDone + 1))
    late.onPlaySent(1200)
    feed(late, datagrams.slice(firstIdrDone + 1))
    expect(late.nalFigures().firstKeyframeMs).toBe(unitDoneMs(datagrams, 4) + PLAY_MS - 1200)
  })
})

describe("NalReceiver: strays", () => {
  it("packets of another SSRC than SETUP announced are counted apart and change no figure", () => {
    const v = RECEIVER_VECTORS[5]!
    const clean = received({ codec: "H264", clockRate: 90000 }, vectorStream(v))
    // Another source's stream on the same port: its own SSRC and sequence numbers, a keyframe with a 1080p SPS.
    const other = stream("H264", [[H264.sps1080, H264.pps, H264.idr(2000)], [H264.p(100)], [H264.idr(100)]], { ssrc: 0x5eed5eed, firstSeq: 12 })
    const mixed = vectorStream(v).flatMap((d, i) => (other[i] === undefined ? [d] : [d, { ...other[i]!, atMs: d.atMs + 0.1 }]))
    const guarded = makeNalReceiver({ codec: "H264", clockRate: 90000 })
    guarded.expectSsrc(SSRC)
    guarded.onPlaySent(PLAY_MS)
    expect(feed(guarded, mixed)).toBe(clean.completed)
    expect(guarded.nalFigures()).toStrictEqual(clean.nal)
    const snapshot = guarded.snapshot()
    expect(snapshot.frames).toStrictEqual(clean.frames)
    expect(snapshot.rtp).toStrictEqual({ ...clean.receiver.snapshot().rtp, strayPackets: other.length })
    // Unguarded, the same input ruins the figures: what the guard is for.
    const unguarded = received({ codec: "H264", clockRate: 90000 }, mixed)
    expect(unguarded.nal).not.toStrictEqual(clean.nal)
    expect(unguarded.receiver.snapshot().rtp.packetsReceived).toBe(mixed.length)
  })
})

describe("NalReceiver: onAccessUnit", () => {
  it("gets every whole unit holding a picture, with its index among the frames, its arrival and the stream", () => {
    const sprop = [H264.sps320, H264.pps]
    const units = [[H264.sps320, H264.pps, H264.idr(1500)], [H264.sei], [H264.p(300)], [H264.p(3000)], [H264.p(300)], [H264.idr(300)]]
    // Unit 3 (an FU-A P slice) loses a fragment: not handed on, and no index used up.
    const datagrams = stream("H264", units).filter((d) => !(d.unit === 3 && d.packet === 1))
    const calls: Array<{ readonly unit: AccessUnit; readonly index: number; readonly arrivalMs: number; readonly stream: unknown }> = []
    const receiver = makeNalReceiver({ codec: "H264", clockRate: 90000, spropUnits: sprop, onAccessUnit: (unit, index, arrivalMs, s) => calls.push({ unit, index, arrivalMs, stream: s }) })
    expect(feed(receiver, datagrams)).toBe(4)
    const handedOn = [0, 2, 4, 5]
    expect(calls.map((c) => c.index)).toEqual([0, 1, 2, 3])
    expect(calls.map((c) => c.unit.nalUnits.map((n) => n.toString("hex")))).toEqual(handedOn.map((u) => units[u]!.map((n) => n.toString("hex"))))
    expect(calls.map((c) => c.unit.timestamp)).toEqual(handedOn.map((u) => u * TICKS))
    expect(calls.map((c) => c.unit.keyframe)).toEqual([true, false, false, true])
    expect(calls.map((c) => c.arrivalMs)).toEqual(handedOn.map((u) => unitDoneMs(datagrams, u) + PLAY_MS))
    expect(calls.every((c) => c.unit.problems.length === 0)).toBe(true)
    expect(calls[0]!.stream).toStrictEqual({ codec: "H264", parameterSets: sprop })
    expect(calls.every((c) => c.stream === calls[0]!.stream)).toBe(true)
    expect(receiver.frameArrivalsMs()).toEqual(calls.map((c) => c.arrivalMs))
  })
})

// ---------------------------------------------------------------------------
// Property: a random GOP pattern comes out as that pattern
// ---------------------------------------------------------------------------

/** GOP patterns (pictures from one keyframe to the next) the property also starts from. */
export const GOP_VECTORS: ReadonlyArray<ReadonlyArray<number>> = [[25], [25, 25, 25], [1, 1, 1], [12, 30, 7, 1], [50, 2]]

describe("NalReceiver properties", () => {
  it("keyframes, GOP, frames and the first keyframe follow the GOP pattern sent, in both codecs, any MTU, any sequence start", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<NalCodec>("H264", "H265"),
        fc.oneof(fc.constantFrom(...GOP_VECTORS), fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 6 })),
        fc.integer({ min: 0, max: 4 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 200, max: 1400 }),
        fc.integer({ min: 0, max: 0xffff }),
        (codec, gops, leading, parameterSetsWithKeyframes, seiUnits, mtu, firstSeq) => {
          const k = codec === "H264"
            ? { key: H264.idr, slice: H264.p, sets: [H264.sps320, H264.pps], sei: H264.sei }
            : { key: (n: number) => (n % 2 === 0 ? H265.idr(n) : H265.cra(n)), slice: H265.trail, sets: [H265.vps, H265.sps320, H265.pps], sei: H265.sei }
          const units: Array<ReadonlyArray<Buffer>> = []
          const keyframeUnits: Array<number> = []
          const picture = (n: number) => units.push([k.slice(100 + ((n * 211) % 1700))])
          const keyframe = (n: number) => {
            keyframeUnits.push(units.length)
            units.push([...(parameterSetsWithKeyframes ? k.sets : []), k.key(1000 + ((n * 397) % 2000))])
            if (seiUnits) units.push([k.sei])
          }
          for (let i = 0; i < leading; i++) picture(i)
          gops.forEach((length, g) => {
            keyframe(g)
            for (let i = 1; i < length; i++) picture(g * 31 + i)
          })
          // The last GOP ends at the next keyframe.
          keyframe(gops.length)

          const datagrams = stream(codec, units, { mtu, firstSeq })
          const keyflags: Array<boolean> = []
          const receiver = makeNalReceiver({ codec, clockRate: 90000, onAccessUnit: (unit) => keyflags.push(unit.keyframe) })
          receiver.onPlaySent(PLAY_MS)
          const frames = leading + gops.reduce((a, b) => a + b, 0) + 1
          expect(feed(receiver, datagrams)).toBe(frames)
          const nal = receiver.nalFigures()
          expect(nal.keyframes).toBe(gops.length + 1)
          expect(nal.gop).toStrictEqual({ count: gops.length, minFrames: Math.min(...gops), maxFrames: Math.max(...gops), lastFrames: gops.at(-1) })
          expect(nal.firstKeyframeMs).toBe(unitDoneMs(datagrams, keyframeUnits[0]!))
          expect(nal.parameterSetsInBand).toBe(parameterSetsWithKeyframes ? k.sets.length * (gops.length + 1) : 0)
          expect([nal.brokenUnits, nal.problems]).toStrictEqual([0, {}])
          expect(receiver.snapshot().frames.framesReceived).toBe(frames)
          expect(keyflags.filter((f) => f).length).toBe(gops.length + 1)
          expect(keyflags.slice(0, leading + 1)).toEqual([...Array.from({ length: leading }, () => false), true])
        }
      ),
      { numRuns: 150 }
    )
  })
})
