/**
 * The RFC 6184 depacketizer: a vector table of hand-made packets (every packet type, every
 * problem), and the properties both NAL formats must have (../nal/nalTestKit.ts: random NAL
 * sequences packetized in the test as single NAL units, STAP-A and FU-A at a random MTU).
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { makeRfc6184Depacketizer, nalType } from "../../../src/protocol/h264/rfc6184Depacketizer.js"
import { type RtpNalPacket, toAnnexB } from "../../../src/protocol/nal/nalDepacketizer.js"
import { depacketizeWith, describeNalProperties, hex, summary, type UnitSummary, unitOf } from "../nal/nalTestKit.js"

const depacketize = (packets: ReadonlyArray<RtpNalPacket>) => depacketizeWith(makeRfc6184Depacketizer, packets)

/** Vectors: packets in, access units out (NAL units as hex, the problems by reason). */
export const VECTORS: ReadonlyArray<{
  readonly name: string
  readonly packets: () => Array<RtpNalPacket>
  readonly expected: ReadonlyArray<UnitSummary>
}> = [
  {
    name: "single NAL units: SPS, PPS and an IDR slice in one unit",
    packets: () => unitOf(3000, 1, ["6742001f", "68ce3c80", "65888400"]),
    expected: [{ t: 3000, nals: ["6742001f", "68ce3c80", "65888400"], keyframe: true, problems: [] }]
  },
  {
    name: "STAP-A carrying SPS and PPS, then a non-IDR slice",
    packets: () => unitOf(0, 10, ["18 0004 6742001f 0004 68ce3c80", "41e00000"]),
    expected: [{ t: 0, nals: ["6742001f", "68ce3c80", "41e00000"], keyframe: false, problems: [] }]
  },
  {
    name: "an IDR slice in three FU-A fragments (NRI kept from the indicator)",
    packets: () => unitOf(90, 65534, ["7c 85 aaaa", "7c 05 bbbb", "7c 45 cc"]),
    expected: [{ t: 90, nals: ["65aaaabbbbcc"], keyframe: true, problems: [] }]
  },
  {
    name: "two units, the sequence wrapping between them",
    packets: () => [...unitOf(0, 65535, ["4101"]), ...unitOf(3000, 0, ["4102"])],
    expected: [
      { t: 0, nals: ["4101"], keyframe: false, problems: [] },
      { t: 3000, nals: ["4102"], keyframe: false, problems: [] }
    ]
  },
  {
    name: "a lost middle fragment: the NAL unit goes, the gap and the cut are named",
    packets: () => unitOf(0, 5, ["7c 85 aaaa", "7c 05 bbbb", "7c 45 cc"]).filter((_, i) => i !== 1),
    expected: [{ t: 0, nals: [], keyframe: false, problems: ["SequenceGap", "FragmentWithoutEnd", "FragmentWithoutStart"] }]
  },
  {
    name: "a lost first fragment, then a whole NAL unit",
    packets: () => unitOf(0, 5, ["7c 05 bbbb", "7c 45 cc", "4101"]),
    expected: [{ t: 0, nals: ["4101"], keyframe: false, problems: ["FragmentWithoutStart", "FragmentWithoutStart"] }]
  },
  {
    name: "a fragmented NAL unit whose end never came, ended by the marker",
    packets: () => unitOf(0, 1, ["7c 85 aaaa", "7c 05 bbbb"]),
    expected: [{ t: 0, nals: [], keyframe: false, problems: ["FragmentWithoutEnd"] }]
  },
  {
    name: "a new FU start before the previous one ended",
    packets: () => unitOf(0, 1, ["7c 85 aaaa", "7c 81 bbbb", "7c 41 cc"]),
    expected: [{ t: 0, nals: ["61bbbbcc"], keyframe: false, problems: ["FragmentWithoutEnd"] }]
  },
  {
    name: "the timestamp changes without a marker",
    packets: () => [...unitOf(0, 1, ["4101"], false), ...unitOf(3000, 2, ["4102"])],
    expected: [
      { t: 0, nals: ["4101"], keyframe: false, problems: ["EndedWithoutMarker"] },
      { t: 3000, nals: ["4102"], keyframe: false, problems: [] }
    ]
  },
  {
    name: "a STAP-A whose second size runs past the end keeps the first NAL unit",
    packets: () => unitOf(0, 1, ["18 0002 4101 0009 4102"]),
    expected: [{ t: 0, nals: ["4101"], keyframe: false, problems: ["TruncatedAggregate"] }]
  },
  {
    name: "a STAP-A with a zero size and one cut in its size field",
    packets: () => [...unitOf(0, 1, ["18 0000 4101"]), ...unitOf(1, 2, ["18 0002 4101 00"])],
    expected: [
      { t: 0, nals: [], keyframe: false, problems: ["TruncatedAggregate"] },
      { t: 1, nals: ["4101"], keyframe: false, problems: ["TruncatedAggregate"] }
    ]
  },
  {
    name: "interleaved-mode and reserved types, the forbidden bit, an empty payload and a short FU-A",
    packets: () => unitOf(0, 1, ["19 0000", "1d 81 00", "00", "1e", "1f", "c101", "", "7c 85"]),
    expected: [{
      t: 0,
      nals: [],
      keyframe: false,
      problems: ["UnsupportedType", "UnsupportedType", "ReservedType", "ReservedType", "ReservedType", "ForbiddenBit", "Truncated", "Truncated"]
    }]
  },
  {
    name: "an FU header with both start and end set: kept, and named",
    packets: () => unitOf(0, 1, ["7c c1 aa"]),
    expected: [{ t: 0, nals: ["61aa"], keyframe: false, problems: ["BadFragmentHeader"] }]
  },
  {
    name: "a stream that stops mid-unit gives that unit on flush",
    packets: () => unitOf(0, 1, ["6742001f", "65 88"], false),
    expected: [{ t: 0, nals: ["6742001f", "6588"], keyframe: true, problems: [] }]
  }
]

describe("RFC 6184 vectors", () => {
  it.each(VECTORS)("$name", ({ packets, expected }) => {
    expect(summary(depacketize(packets()))).toEqual(expected)
  })

  it("every problem carries a message", () => {
    for (const v of VECTORS) for (const u of depacketize(v.packets())) for (const p of u.problems) expect(p.message.length).toBeGreaterThan(10)
  })

  it("Annex-B puts a 4-byte start code before each NAL unit", () => {
    expect(toAnnexB([hex("6742"), hex("68ce")]).toString("hex")).toBe("000000016742" + "0000000168ce")
  })
})

describeNalProperties({
  name: "RFC 6184",
  make: makeRfc6184Depacketizer,
  // A header of a single-NAL type (1-23, F = 0, any NRI), then 0 to 3000 bytes.
  arbNal: fc.tuple(fc.integer({ min: 1, max: 23 }), fc.integer({ min: 0, max: 3 }), fc.uint8Array({ maxLength: 3000 }))
    .map(([type, nri, body]) => Buffer.concat([Buffer.from([(nri << 5) | type]), Buffer.from(body)])),
  isKeyframe: (nal) => nalType(nal[0]!) === 5,
  headerBytes: 1,
  // STAP-A: F 0, the highest NRI of the group.
  aggregateHeader: (group) => Buffer.from([group.reduce((max, n) => Math.max(max, n[0]! & 0x60), 0) | 24]),
  fragmentHeaders: (nal, first, last) => Buffer.from([(nal[0]! & 0xe0) | 28, (first ? 0x80 : 0) | (last ? 0x40 : 0) | nalType(nal[0]!)])
})
