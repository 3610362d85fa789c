/**
 * The RFC 7798 depacketizer: a vector table of hand-made H.265 packets (single NAL units, AP,
 * FU, and every problem), and the properties both NAL formats must have (../nal/nalTestKit.ts).
 * H.265 NAL headers here: type << 1, then LayerId 0 and TID 1 (0x01).
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { h265NalType, makeRfc7798Depacketizer } from "../../../src/protocol/h265/rfc7798Depacketizer.js"
import type { RtpNalPacket } from "../../../src/protocol/nal/nalDepacketizer.js"
import { depacketizeWith, describeNalProperties, summary, type UnitSummary, unitOf } from "../nal/nalTestKit.js"

const depacketize = (packets: ReadonlyArray<RtpNalPacket>) => depacketizeWith(makeRfc7798Depacketizer, packets)

export const VECTORS: ReadonlyArray<{ readonly name: string; readonly packets: () => Array<RtpNalPacket>; readonly expected: ReadonlyArray<UnitSummary> }> = [
  {
    name: "single NAL units: VPS, SPS, PPS and an IDR_W_RADL slice",
    packets: () => unitOf(0, 1, ["4001 0c", "4201 01", "4401 c1", "2601 af"]),
    expected: [{ t: 0, nals: ["40010c", "420101", "4401c1", "2601af"], keyframe: true, problems: [] }]
  },
  {
    name: "an AP with VPS, SPS and PPS, then a TRAIL_R slice",
    packets: () => unitOf(3000, 7, ["6001 0003 40010c 0003 420101 0003 4401c1", "0201 aa"]),
    expected: [{ t: 3000, nals: ["40010c", "420101", "4401c1", "0201aa"], keyframe: false, problems: [] }]
  },
  {
    name: "a CRA picture in three FUs (layer and TID kept from the payload header)",
    packets: () => unitOf(0, 65535, ["6201 95 aaaa", "6201 15 bbbb", "6201 55 cc"]),
    expected: [{ t: 0, nals: ["2a01aaaabbbbcc"], keyframe: true, problems: [] }]
  },
  {
    name: "a lost middle FU: the NAL unit goes, the gap and the cut are named",
    packets: () => unitOf(0, 5, ["6201 93 aaaa", "6201 13 bbbb", "6201 53 cc"]).filter((_, i) => i !== 1),
    expected: [{ t: 0, nals: [], keyframe: false, problems: ["SequenceGap", "FragmentWithoutEnd", "FragmentWithoutStart"] }]
  },
  {
    name: "an AP whose second size runs past the end keeps the first NAL unit",
    packets: () => unitOf(0, 1, ["6001 0003 020111 0009 0201"]),
    expected: [{ t: 0, nals: ["020111"], keyframe: false, problems: ["TruncatedAggregate"] }]
  },
  {
    name: "PACI, reserved types, the forbidden bit, a 1-byte payload and an FU with no data",
    packets: () => unitOf(0, 1, ["6401 00", "5201 00", "6601 00", "8001", "40", "6201 93"]),
    expected: [{ t: 0, nals: [], keyframe: false, problems: ["UnsupportedType", "ReservedType", "ReservedType", "ForbiddenBit", "Truncated", "Truncated"] }]
  },
  {
    name: "the timestamp changes without a marker",
    packets: () => [...unitOf(0, 1, ["0201 01"], false), ...unitOf(3000, 2, ["0201 02"])],
    expected: [
      { t: 0, nals: ["020101"], keyframe: false, problems: ["EndedWithoutMarker"] },
      { t: 3000, nals: ["020102"], keyframe: false, problems: [] }
    ]
  }
]

describe("RFC 7798 vectors", () => {
  it.each(VECTORS)("$name", ({ packets, expected }) => {
    expect(summary(depacketize(packets()))).toEqual(expected)
  })
})

describeNalProperties({
  name: "RFC 7798",
  make: makeRfc7798Depacketizer,
  // A header of a single-NAL type (0-40, F 0, LayerId 0, TID 1-7), then 0 to 3000 bytes.
  arbNal: fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 7 }), fc.uint8Array({ maxLength: 3000 }))
    .map(([type, tid, body]) => Buffer.concat([Buffer.from([type << 1, tid]), Buffer.from(body)])),
  isKeyframe: (nal) => h265NalType(nal[0]!) >= 16 && h265NalType(nal[0]!) <= 21,
  headerBytes: 2,
  // AP: type 48, the lowest TID of the group.
  aggregateHeader: (group) => Buffer.from([48 << 1, group.reduce((min, n) => Math.min(min, n[1]! & 0x07), 7)]),
  fragmentHeaders: (nal, first, last) => Buffer.from([(nal[0]! & 0x81) | (49 << 1), nal[1]!, (first ? 0x80 : 0) | (last ? 0x40 : 0) | h265NalType(nal[0]!)])
})
