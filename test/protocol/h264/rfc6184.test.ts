/**
 * The RFC 6184 depacketizer: a vector table of hand-made packets (every packet type, every
 * problem), shared with the property tests, which packetize random NAL sequences here (single
 * NAL units, STAP-A, FU-A at a random MTU) and must get the same NAL units back.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import {
  type AccessUnit,
  type H264ProblemReason,
  makeRfc6184Depacketizer,
  nalType,
  type RtpH264Packet,
  toAnnexB
} from "../../../src/protocol/h264/rfc6184Depacketizer.js"

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex")

/** Packets of one access unit from hex payloads: consecutive sequence numbers, marker on the last. */
const unitOf = (timestamp: number, firstSeq: number, payloads: ReadonlyArray<string>, marker = true): Array<RtpH264Packet> =>
  payloads.map((p, i) => ({ sequenceNumber: (firstSeq + i) & 0xffff, timestamp, marker: marker && i === payloads.length - 1, payload: hex(p) }))

const depacketize = (packets: ReadonlyArray<RtpH264Packet>): Array<AccessUnit> => {
  const d = makeRfc6184Depacketizer()
  return [...packets.flatMap((p) => d.push(p)), ...d.flush()]
}

const summary = (units: ReadonlyArray<AccessUnit>) =>
  units.map((u) => ({ t: u.timestamp, nals: u.nalUnits.map((n) => n.toString("hex")), idr: u.idr, problems: u.problems.map((p) => p.reason) }))

/** Vectors: packets in, access units out (NAL units as hex, the problems by reason). */
export const VECTORS: ReadonlyArray<{
  readonly name: string
  readonly packets: () => Array<RtpH264Packet>
  readonly expected: ReadonlyArray<{ readonly t: number; readonly nals: ReadonlyArray<string>; readonly idr: boolean; readonly problems: ReadonlyArray<H264ProblemReason> }>
}> = [
  {
    name: "single NAL units: SPS, PPS and an IDR slice in one unit",
    packets: () => unitOf(3000, 1, ["6742001f", "68ce3c80", "65888400"]),
    expected: [{ t: 3000, nals: ["6742001f", "68ce3c80", "65888400"], idr: true, problems: [] }]
  },
  {
    name: "STAP-A carrying SPS and PPS, then a non-IDR slice",
    packets: () => unitOf(0, 10, ["18 0004 6742001f 0004 68ce3c80", "41e00000"]),
    expected: [{ t: 0, nals: ["6742001f", "68ce3c80", "41e00000"], idr: false, problems: [] }]
  },
  {
    name: "an IDR slice in three FU-A fragments (NRI kept from the indicator)",
    packets: () => unitOf(90, 65534, ["7c 85 aaaa", "7c 05 bbbb", "7c 45 cc"]),
    expected: [{ t: 90, nals: ["65aaaabbbbcc"], idr: true, problems: [] }]
  },
  {
    name: "two units, the sequence wrapping between them",
    packets: () => [...unitOf(0, 65535, ["4101"]), ...unitOf(3000, 0, ["4102"])],
    expected: [
      { t: 0, nals: ["4101"], idr: false, problems: [] },
      { t: 3000, nals: ["4102"], idr: false, problems: [] }
    ]
  },
  {
    name: "a lost middle fragment: the NAL unit goes, the gap and the cut are named",
    packets: () => unitOf(0, 5, ["7c 85 aaaa", "7c 05 bbbb", "7c 45 cc"]).filter((_, i) => i !== 1),
    expected: [{ t: 0, nals: [], idr: false, problems: ["SequenceGap", "FragmentWithoutEnd", "FragmentWithoutStart"] }]
  },
  {
    name: "a lost first fragment, then a whole NAL unit",
    packets: () => unitOf(0, 5, ["7c 05 bbbb", "7c 45 cc", "4101"]),
    expected: [{ t: 0, nals: ["4101"], idr: false, problems: ["FragmentWithoutStart", "FragmentWithoutStart"] }]
  },
  {
    name: "a fragmented NAL unit whose end never came, ended by the marker",
    packets: () => unitOf(0, 1, ["7c 85 aaaa", "7c 05 bbbb"]),
    expected: [{ t: 0, nals: [], idr: false, problems: ["FragmentWithoutEnd"] }]
  },
  {
    name: "a new FU start before the previous one ended",
    packets: () => unitOf(0, 1, ["7c 85 aaaa", "7c 81 bbbb", "7c 41 cc"]),
    expected: [{ t: 0, nals: ["61bbbbcc"], idr: false, problems: ["FragmentWithoutEnd"] }]
  },
  {
    name: "the timestamp changes without a marker",
    packets: () => [...unitOf(0, 1, ["4101"], false), ...unitOf(3000, 2, ["4102"])],
    expected: [
      { t: 0, nals: ["4101"], idr: false, problems: ["EndedWithoutMarker"] },
      { t: 3000, nals: ["4102"], idr: false, problems: [] }
    ]
  },
  {
    name: "a STAP-A whose second size runs past the end keeps the first NAL unit",
    packets: () => unitOf(0, 1, ["18 0002 4101 0009 4102"]),
    expected: [{ t: 0, nals: ["4101"], idr: false, problems: ["TruncatedAggregate"] }]
  },
  {
    name: "a STAP-A with a zero size and one cut in its size field",
    packets: () => [...unitOf(0, 1, ["18 0000 4101"]), ...unitOf(1, 2, ["18 0002 4101 00"])],
    expected: [
      { t: 0, nals: [], idr: false, problems: ["TruncatedAggregate"] },
      { t: 1, nals: ["4101"], idr: false, problems: ["TruncatedAggregate"] }
    ]
  },
  {
    name: "interleaved-mode and reserved types, the forbidden bit, an empty payload and a short FU-A",
    packets: () => unitOf(0, 1, ["19 0000", "1d 81 00", "00", "1e", "1f", "c101", "", "7c 85"]),
    expected: [{
      t: 0,
      nals: [],
      idr: false,
      problems: ["UnsupportedType", "UnsupportedType", "ReservedType", "ReservedType", "ReservedType", "ForbiddenBit", "Truncated", "Truncated"]
    }]
  },
  {
    name: "an FU header with both start and end set: kept, and named",
    packets: () => unitOf(0, 1, ["7c c1 aa"]),
    expected: [{ t: 0, nals: ["61aa"], idr: false, problems: ["BadFragmentHeader"] }]
  },
  {
    name: "a stream that stops mid-unit gives that unit on flush",
    packets: () => unitOf(0, 1, ["6742001f", "65 88"], false),
    expected: [{ t: 0, nals: ["6742001f", "6588"], idr: true, problems: [] }]
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

/**
 * The test's own packetizer (mode 1): NAL units no bigger than `mtu` go alone or, several small
 * ones in a row, in one STAP-A; bigger ones in FU-A fragments of at most `mtu` bytes.
 */
const packetize = (nalUnits: ReadonlyArray<Buffer>, mtu: number, timestamp: number, firstSeq: number): Array<RtpH264Packet> => {
  const payloads: Array<Buffer> = []
  let i = 0
  while (i < nalUnits.length) {
    const nal = nalUnits[i]!
    if (nal.length > mtu) {
      const indicator = (nal[0]! & 0xe0) | 28
      const body = nal.subarray(1)
      const room = mtu - 2
      for (let at = 0; at < body.length; at += room) {
        const fu = (at === 0 ? 0x80 : 0) | (at + room >= body.length ? 0x40 : 0) | nalType(nal[0]!)
        payloads.push(Buffer.concat([Buffer.from([indicator, fu]), body.subarray(at, at + room)]))
      }
      i++
      continue
    }
    // Aggregate while the next ones fit.
    const group = [nal]
    let size = 1 + 2 + nal.length
    while (i + group.length < nalUnits.length && nalUnits[i + group.length]!.length <= mtu && size + 2 + nalUnits[i + group.length]!.length <= mtu) {
      size += 2 + nalUnits[i + group.length]!.length
      group.push(nalUnits[i + group.length]!)
    }
    if (group.length === 1) payloads.push(nal)
    else {
      const nri = group.reduce((max, n) => Math.max(max, n[0]! & 0x60), 0)
      payloads.push(Buffer.concat([Buffer.from([nri | 24]), ...group.flatMap((n) => [Buffer.from([n.length >> 8, n.length & 0xff]), n])]))
    }
    i += group.length
  }
  return payloads.map((payload, k) => ({ sequenceNumber: (firstSeq + k) & 0xffff, timestamp, marker: k === payloads.length - 1, payload }))
}

/** A NAL unit: a header of a single-NAL type (1-23, F = 0, any NRI), then 0 to 3000 bytes. */
const arbNal = fc.tuple(fc.integer({ min: 1, max: 23 }), fc.integer({ min: 0, max: 3 }), fc.uint8Array({ maxLength: 3000 }))
  .map(([type, nri, body]) => Buffer.concat([Buffer.from([(nri << 5) | type]), Buffer.from(body)]))

describe("RFC 6184 properties", () => {
  it("packetize (single, STAP-A, FU-A) then depacketize gives every access unit's NAL units back, whole", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(arbNal, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 16, max: 1400 }),
        fc.integer({ min: 0, max: 0xffff }),
        (units, mtu, firstSeq) => {
          const packets: Array<RtpH264Packet> = []
          units.forEach((nals, u) => packets.push(...packetize(nals, mtu, u * 3000, (firstSeq + packets.length) & 0xffff)))
          const out = depacketize(packets)
          expect(out.map((u) => u.problems)).toEqual(units.map(() => []))
          expect(out.map((u) => u.nalUnits.map((n) => n.toString("hex")))).toEqual(units.map((nals) => nals.map((n) => n.toString("hex"))))
          expect(out.map((u) => u.idr)).toEqual(units.map((nals) => nals.some((n) => nalType(n[0]!) === 5)))
        }
      ),
      { numRuns: 200 }
    )
  })

  it("a packet lost from a packetized stream breaks only its own access unit, and says so", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(arbNal, { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 16, max: 600 }),
        fc.nat(),
        (units, mtu, pick) => {
          const perUnit = units.map((nals, u) => packetize(nals, mtu, u * 3000, 0))
          let seq = 0
          const numbered = perUnit.map((packets) => packets.map((p) => ({ ...p, sequenceNumber: seq++ & 0xffff })))
          const all = numbered.flat()
          const lost = pick % all.length
          const victimUnit = numbered.findIndex((packets) => packets.includes(all[lost]!))
          const out = depacketize(all.filter((_, i) => i !== lost))
          out.forEach((u) => {
            const index = u.timestamp / 3000
            if (index === victimUnit) return
            expect(u.problems).toEqual([])
            expect(u.nalUnits.map((n) => n.toString("hex"))).toEqual(units[index]!.map((n) => n.toString("hex")))
          })
          const victim = out.find((u) => u.timestamp / 3000 === victimUnit)
          // Losing a unit's only packet loses the unit; else the unit is there, with a problem or fewer NAL units.
          if (victim !== undefined) {
            const whole = victim.problems.length === 0 && victim.nalUnits.length === units[victimUnit]!.length
            expect(whole).toBe(false)
          }
        }
      ),
      { numRuns: 200 }
    )
  })

  it("never throws on arbitrary packets, and every unit it gives names its problems or is whole", () => {
    const packet = fc.record({
      sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
      timestamp: fc.integer({ min: 0, max: 3 }),
      marker: fc.boolean(),
      payload: fc.uint8Array({ maxLength: 64 })
    })
    fc.assert(
      fc.property(fc.array(packet, { maxLength: 40 }), (packets) => {
        for (const u of depacketize(packets)) for (const p of u.problems) expect(typeof p.message).toBe("string")
      }),
      { numRuns: 300 }
    )
  })
})
