/**
 * What the RFC 6184 and RFC 7798 depacketizer tests share: each format's packetizer (written
 * here, so the round trip does not test the code against itself), random NAL units, and the
 * properties both must have.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import type { AccessUnit, NalDepacketizer, NalProblemReason, RtpNalPacket } from "../../../src/protocol/nal/nalDepacketizer.js"

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex")

/** Packets of one access unit from hex payloads: consecutive sequence numbers, marker on the last. */
export const unitOf = (timestamp: number, firstSeq: number, payloads: ReadonlyArray<string>, marker = true): Array<RtpNalPacket> =>
  payloads.map((p, i) => ({ sequenceNumber: (firstSeq + i) & 0xffff, timestamp, marker: marker && i === payloads.length - 1, payload: hex(p) }))

export const depacketizeWith = (make: () => NalDepacketizer, packets: ReadonlyArray<RtpNalPacket>): Array<AccessUnit> => {
  const d = make()
  return [...packets.flatMap((p) => d.push(p)), ...d.flush()]
}

export interface UnitSummary {
  readonly t: number
  readonly nals: ReadonlyArray<string>
  readonly keyframe: boolean
  readonly problems: ReadonlyArray<NalProblemReason>
}

export const summary = (units: ReadonlyArray<AccessUnit>): Array<UnitSummary> =>
  units.map((u) => ({ t: u.timestamp, nals: u.nalUnits.map((n) => n.toString("hex")), keyframe: u.keyframe, problems: u.problems.map((p) => p.reason) }))

export interface NalFormatForTests {
  readonly name: string
  readonly make: () => NalDepacketizer
  /** A random NAL unit of a type single NAL unit packets carry. */
  readonly arbNal: fc.Arbitrary<Buffer>
  readonly isKeyframe: (nal: Buffer) => boolean
  readonly headerBytes: number
  readonly aggregateHeader: (group: ReadonlyArray<Buffer>) => Buffer
  /** The payload header and FU header of fragment `first`/`last` of `nal`. */
  readonly fragmentHeaders: (nal: Buffer, first: boolean, last: boolean) => Buffer
}

/**
 * The format's non-interleaved packetizer: NAL units no bigger than `mtu` go alone or, several
 * small ones in a row, in one aggregation packet; bigger ones in fragments of at most `mtu` bytes.
 */
export const packetize = (f: NalFormatForTests, nalUnits: ReadonlyArray<Buffer>, mtu: number, timestamp: number, firstSeq: number): Array<RtpNalPacket> => {
  const payloads: Array<Buffer> = []
  let i = 0
  while (i < nalUnits.length) {
    const nal = nalUnits[i]!
    if (nal.length > mtu) {
      const body = nal.subarray(f.headerBytes)
      const room = mtu - f.headerBytes - 1
      for (let at = 0; at < body.length; at += room) {
        payloads.push(Buffer.concat([f.fragmentHeaders(nal, at === 0, at + room >= body.length), body.subarray(at, at + room)]))
      }
      i++
      continue
    }
    const group = [nal]
    let size = f.headerBytes + 2 + nal.length
    for (let next = nalUnits[i + 1]; next !== undefined && next.length <= mtu && size + 2 + next.length <= mtu; next = nalUnits[i + group.length]) {
      size += 2 + next.length
      group.push(next)
    }
    payloads.push(group.length === 1 ? nal : Buffer.concat([f.aggregateHeader(group), ...group.flatMap((n) => [Buffer.from([n.length >> 8, n.length & 0xff]), n])]))
    i += group.length
  }
  return payloads.map((payload, k) => ({ sequenceNumber: (firstSeq + k) & 0xffff, timestamp, marker: k === payloads.length - 1, payload }))
}

const hexes = (nals: ReadonlyArray<Buffer>) => nals.map((n) => n.toString("hex"))

export const describeNalProperties = (f: NalFormatForTests): void => {
  describe(`${f.name} properties`, () => {
    it("packetize (single, aggregated, fragmented) then depacketize gives every access unit's NAL units back, whole", () => {
      fc.assert(
        fc.property(
          fc.array(fc.array(f.arbNal, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 }),
          fc.integer({ min: 16, max: 1400 }),
          fc.integer({ min: 0, max: 0xffff }),
          (units, mtu, firstSeq) => {
            const packets: Array<RtpNalPacket> = []
            units.forEach((nals, u) => packets.push(...packetize(f, nals, mtu, u * 3000, (firstSeq + packets.length) & 0xffff)))
            const out = depacketizeWith(f.make, packets)
            expect(out.map((u) => u.problems)).toEqual(units.map(() => []))
            expect(out.map((u) => hexes(u.nalUnits))).toEqual(units.map(hexes))
            expect(out.map((u) => u.keyframe)).toEqual(units.map((nals) => nals.some(f.isKeyframe)))
          }
        ),
        { numRuns: 200 }
      )
    })

    it("a packet lost from a packetized stream breaks only its own access unit, and the broken one shows it", () => {
      fc.assert(
        fc.property(
          fc.array(fc.array(f.arbNal, { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 4 }),
          fc.integer({ min: 16, max: 600 }),
          fc.nat(),
          (units, mtu, pick) => {
            let seq = 0
            const numbered = units.map((nals, u) => packetize(f, nals, mtu, u * 3000, 0).map((p) => ({ ...p, sequenceNumber: seq++ & 0xffff })))
            const all = numbered.flat()
            const lost = pick % all.length
            const victimUnit = numbered.findIndex((packets) => packets.includes(all[lost]!))
            const out = depacketizeWith(f.make, all.filter((_, i) => i !== lost))
            for (const u of out) {
              const index = u.timestamp / 3000
              if (index === victimUnit) {
                // Losing a unit's only packet loses the unit; otherwise it is there, with a problem or fewer NAL units.
                expect(u.problems.length === 0 && u.nalUnits.length === units[index]!.length).toBe(false)
              } else {
                expect(u.problems).toEqual([])
                expect(hexes(u.nalUnits)).toEqual(hexes(units[index]!))
              }
            }
          }
        ),
        { numRuns: 200 }
      )
    })

    it("never throws on arbitrary packets, and names every problem", () => {
      const packet = fc.record({
        sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
        timestamp: fc.integer({ min: 0, max: 3 }),
        marker: fc.boolean(),
        payload: fc.uint8Array({ maxLength: 64 })
      })
      fc.assert(
        fc.property(fc.array(packet, { maxLength: 40 }), (packets) => {
          for (const u of depacketizeWith(f.make, packets)) for (const p of u.problems) expect(p.message.length).toBeGreaterThan(10)
        }),
        { numRuns: 300 }
      )
    })
  })
}
