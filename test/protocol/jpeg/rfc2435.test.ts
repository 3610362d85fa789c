import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import sharp from "sharp"
import { parseJpeg } from "../../../src/protocol/jpeg/markers.js"
import {
  type CountEvent,
  type DepacketizeEvent,
  makeRfc2435Depacketizer,
  makeRfc2435FrameCounter,
  type RtpJpegPacket
} from "../../../src/protocol/jpeg/rfc2435Depacketizer.js"
import { type Rfc2435Frame, toRfc2435Frame } from "../../../src/protocol/jpeg/rfc2435Frame.js"
import { decodeRfc2435Header } from "../../../src/protocol/jpeg/rfc2435Header.js"
import { packetizeRfc2435, RTP_HEADER_SIZE } from "../../../src/protocol/jpeg/rfc2435Packetizer.js"
import { tablesForQ } from "../../../src/protocol/jpeg/tables.js"
import { fixture } from "./fixtures.js"

const frameOf = (name: string): Rfc2435Frame => {
  const jpeg = fixture(name)
  const frame = toRfc2435Frame(jpeg, Either.getOrThrow(parseJpeg(jpeg)))
  if (Either.isLeft(frame)) throw new Error(frame.left.map((p) => p.message).join("; "))
  return frame.right
}

const packetsOf = (frame: Rfc2435Frame, mtu: number): ReadonlyArray<Buffer> => Either.getOrThrow(packetizeRfc2435(frame, { mtu }))

const asRtp = (payloads: ReadonlyArray<Buffer>, timestamp: number): Array<RtpJpegPacket> =>
  payloads.map((payload, i) => ({ timestamp, marker: i === payloads.length - 1, payload }))

const pushAll = (packets: ReadonlyArray<RtpJpegPacket>): Array<DepacketizeEvent> => {
  const depacketizer = makeRfc2435Depacketizer()
  return packets.flatMap((p) => depacketizer.push(p))
}

/**
 * The counter fed from one reused buffer, as a receive path hands it datagrams: each payload is
 * copied in at an offset, and the buffer is scribbled over after every call, so a counter that
 * kept a view would be caught.
 */
const countAll = (packets: ReadonlyArray<RtpJpegPacket>): Array<CountEvent> => {
  const counter = makeRfc2435FrameCounter()
  const reused = Buffer.alloc(4096)
  return packets.flatMap((p) => {
    const start = 7
    p.payload.forEach((byte, i) => (reused[start + i] = byte))
    const events = counter.pushPayload(p.timestamp, p.marker, reused, start, start + p.payload.length)
    reused.fill(0xa5)
    return [...events]
  })
}

/** What both machines say about a run of packets, with each frame's size and type. */
const summary = (events: ReadonlyArray<CountEvent>): Array<string> =>
  events.map((e) => (e._tag === "Frame" ? `Frame@${e.timestamp}:${e.width}x${e.height}/${e.type}/${e.q}` : `Dropped@${e.timestamp}:${e.reason}:${e.message}`))

const pixels = (jpeg: Buffer): Promise<Buffer> => sharp(jpeg).raw().toBuffer()

describe("toRfc2435Frame", () => {
  it.each([
    { name: "baseline-420.jpg", type: 1, restartInterval: 0 },
    { name: "baseline-422.jpg", type: 0, restartInterval: 0 },
    { name: "dri-420.jpg", type: 65, restartInterval: 4 },
    { name: "dri-422.jpg", type: 64, restartInterval: 8 }
  ])("$name is type $type", ({ name, type, restartInterval }) => {
    const frame = frameOf(name)
    expect(frame.type).toBe(type)
    expect(frame.restartInterval).toBe(restartInterval)
    expect([frame.width, frame.height]).toEqual([64, 48])
    expect(frame.lumaTable.length).toBe(64)
    expect(frame.chromaTable.length).toBe(64)
  })

  it.each([
    { name: "optimised-420.jpg", codes: ["HuffmanTables"] },
    { name: "progressive-420.jpg", codes: ["NotBaseline", "Scan"] },
    { name: "baseline-444.jpg", codes: ["Sampling"] },
    { name: "gray.jpg", codes: ["ComponentCount"] }
  ])("refuses $name", ({ name, codes }) => {
    const jpeg = fixture(name)
    const result = toRfc2435Frame(jpeg, Either.getOrThrow(parseJpeg(jpeg)))
    expect(Either.isLeft(result) ? [...new Set(result.left.map((p) => p.code))] : []).toEqual(codes)
  })

  it("refuses 12-bit samples and bad dimensions, listing both", () => {
    const jpeg = Buffer.from(fixture("baseline-420.jpg"))
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]))
    jpeg[sof + 4] = 12
    jpeg.writeUInt16BE(50, sof + 5)
    const result = toRfc2435Frame(jpeg, Either.getOrThrow(parseJpeg(jpeg)))
    expect(Either.isLeft(result) ? result.left.map((p) => p.code) : []).toEqual(["Precision", "Dimensions"])
  })
})

describe("packetizeRfc2435", () => {
  it.each([1400, 300, 157])("keeps every packet within an MTU of %i and covers the scan data", (mtu) => {
    const frame = frameOf("dri-420-320x240.jpg")
    const packets = packetsOf(frame, mtu)
    let expectedOffset = 0
    packets.forEach((packet, i) => {
      expect(packet.length + RTP_HEADER_SIZE).toBeLessThanOrEqual(mtu)
      const header = Either.getOrThrow(decodeRfc2435Header(packet))
      expect(header.fragmentOffset).toBe(expectedOffset)
      expect(header.type).toBe(65)
      expect(header.q).toBe(255)
      expect(header.restart).toEqual({ interval: 60, first: true, last: true, count: 0x3fff })
      // Exactly two 64-byte tables, in the first packet only.
      expect(header.quant?.tables.length).toBe(i === 0 ? 128 : undefined)
      const data = packet.subarray(header.dataOffset)
      expect(data).toEqual(frame.scanData.subarray(expectedOffset, expectedOffset + data.length))
      expectedOffset += data.length
    })
    expect(expectedOffset).toBe(frame.scanData.length)
    if (mtu < 1400) expect(packets.length).toBeGreaterThan(frame.scanData.length / mtu)
  })

  it("sends the frame's own tables, luma then chroma", () => {
    const frame = frameOf("baseline-420.jpg")
    const first = Either.getOrThrow(decodeRfc2435Header(packetsOf(frame, 1400)[0]!))
    expect(first.quant?.tables).toEqual(Buffer.concat([frame.lumaTable, frame.chromaTable]))
    expect(first.restart).toBeUndefined()
  })

  it("refuses an MTU with no room for data", () => {
    const result = packetizeRfc2435(frameOf("baseline-420.jpg"), { mtu: 12 + 8 + 4 + 128 })
    expect(Either.isLeft(result) && result.left.reason).toBe("MtuTooSmall")
  })
})

describe("pixel truth: depacketize(packetize(frame)) decodes to the source pixels", () => {
  it.each([
    ["baseline-420.jpg", 1400],
    ["baseline-420.jpg", 200],
    ["baseline-422.jpg", 300],
    ["dri-420.jpg", 300],
    ["dri-422.jpg", 1400],
    ["dri-420-320x240.jpg", 1400],
    ["dri-420-320x240.jpg", 300]
  ] as const)("%s at MTU %i", async (name, mtu) => {
    const events = pushAll(asRtp(packetsOf(frameOf(name), mtu), 9000))
    expect(events.map((e) => e._tag)).toEqual(["Frame"])
    const rebuilt = events[0]!
    if (rebuilt._tag !== "Frame") return
    expect(rebuilt.timestamp).toBe(9000)
    expect(await pixels(rebuilt.jpeg)).toEqual(await pixels(fixture(name)))
  })

  it("rebuilds from Q 1..99 with the RFC's table formula (cjpeg -quality 75 is Q 75)", async () => {
    const frame = frameOf("baseline-420.jpg")
    expect(tablesForQ(75).luma).toEqual(frame.lumaTable)
    expect(tablesForQ(75).chroma).toEqual(frame.chromaTable)
    const payload = Buffer.concat([Buffer.from([0, 0, 0, 0, 1, 75, 8, 6]), frame.scanData])
    const events = pushAll([{ timestamp: 1, marker: true, payload }])
    const rebuilt = events[0]
    expect(rebuilt?._tag).toBe("Frame")
    if (rebuilt?._tag === "Frame") expect(await pixels(rebuilt.jpeg)).toEqual(await pixels(fixture("baseline-420.jpg")))
  })
})

describe("depacketizer", () => {
  const frame = frameOf("dri-420-320x240.jpg")
  const packets = packetsOf(frame, 300)

  it("reassembles consecutive frames", () => {
    const events = pushAll([...asRtp(packets, 0), ...asRtp(packets, 4500), ...asRtp(packets, 9000)])
    expect(events.map((e) => `${e._tag}@${e.timestamp}`)).toEqual(["Frame@0", "Frame@4500", "Frame@9000"])
  })

  it("caches Q >= 128 tables and reuses them when a later frame sends none", async () => {
    const withTables = asRtp(packetsOf(frameOf("baseline-420.jpg"), 1400), 0)
    const first = withTables[0]!.payload
    // Same frame, Q 200, and a zero-length table header on the second frame.
    const q200 = Buffer.from(first)
    q200[5] = 200
    const noTables = Buffer.concat([q200.subarray(0, 8), Buffer.from([0, 0, 0, 0]), q200.subarray(8 + 4 + 128)])
    const events = pushAll([
      { timestamp: 0, marker: true, payload: q200 },
      { timestamp: 3000, marker: true, payload: noTables }
    ])
    expect(events.map((e) => e._tag)).toEqual(["Frame", "Frame"])
    const second = events[1]
    if (second?._tag === "Frame") expect(await pixels(second.jpeg)).toEqual(await pixels(fixture("baseline-420.jpg")))
  })

  const dropCases: ReadonlyArray<{ readonly name: string; readonly packets: () => Array<RtpJpegPacket>; readonly expected: ReadonlyArray<string> }> = [
    {
      name: "a missing middle fragment",
      packets: () => [...asRtp(packets, 0).filter((_, i) => i !== 3), ...asRtp(packets, 1)],
      expected: ["Dropped@0:MissingFragment", "Frame@1"]
    },
    {
      name: "a missing last fragment (marker)",
      packets: () => [...asRtp(packets, 0).slice(0, -1), ...asRtp(packets, 1)],
      expected: ["Dropped@0:MissingFragment", "Frame@1"]
    },
    {
      name: "a missing first fragment, reported once",
      packets: () => [...asRtp(packets, 0).slice(1), ...asRtp(packets, 1)],
      expected: ["Dropped@0:MissingFirstFragment", "Frame@1"]
    },
    {
      name: "a timestamp change mid-frame",
      packets: () => {
        const rtp = asRtp(packets, 0)
        return [...rtp.slice(0, 2), ...rtp.slice(2).map((p) => ({ ...p, timestamp: 7 })), ...asRtp(packets, 8)]
      },
      expected: ["Dropped@0:TimestampChange", "Dropped@7:MissingFirstFragment", "Frame@8"]
    },
    {
      name: "a duplicated fragment (offset goes back)",
      packets: () => {
        const rtp = asRtp(packets, 0)
        return [rtp[0]!, rtp[1]!, rtp[1]!, ...rtp.slice(2), ...asRtp(packets, 1)]
      },
      expected: ["Dropped@0:BadOffset", "Frame@1"]
    },
    {
      name: "a header too short to decode",
      packets: () => [{ timestamp: 5, marker: true, payload: Buffer.from([0, 0, 0]) }, ...asRtp(packets, 6)],
      expected: ["Dropped@5:BadHeader", "Frame@6"]
    },
    {
      name: "an unsupported type",
      packets: () => {
        const rtp = asRtp(packets, 0)
        const bad = Buffer.from(rtp[0]!.payload)
        bad[4] = 66
        return [{ ...rtp[0]!, payload: bad }, ...rtp.slice(1), ...asRtp(packets, 1)]
      },
      expected: ["Dropped@0:UnsupportedType", "Frame@1"]
    },
    {
      name: "a reserved Q",
      packets: () => {
        const rtp = asRtp(packets, 0)
        const bad = Buffer.from(rtp[0]!.payload)
        bad[5] = 110
        return [{ ...rtp[0]!, payload: bad }, ...rtp.slice(1)]
      },
      expected: ["Dropped@0:UnsupportedQ"]
    },
    {
      name: "Q 200 without tables and nothing cached",
      packets: () => [{ timestamp: 0, marker: true, payload: Buffer.from([0, 0, 0, 0, 1, 200, 8, 6, 0, 0, 0, 0, 1, 2, 3]) }],
      expected: ["Dropped@0:MissingTables"]
    }
  ]

  it.each(dropCases)("drops a frame with $name and says why", ({ packets: make, expected }) => {
    const events = pushAll(make())
    expect(events.map((e) => (e._tag === "Frame" ? `Frame@${e.timestamp}` : `Dropped@${e.timestamp}:${e.reason}`))).toEqual(expected)
    for (const e of events) if (e._tag === "Dropped") expect(e.message.length).toBeGreaterThan(5)
  })

  it.each(dropCases)("the frame counter reports exactly what the depacketizer does with $name", ({ packets: make }) => {
    const packets = make()
    expect(summary(countAll(packets))).toEqual(summary(pushAll(packets)))
  })

  it("the frame counter agrees with the depacketizer on arbitrary sequences of real and broken packets", () => {
    const withTables = asRtp(packetsOf(frameOf("baseline-420.jpg"), 1400), 0)[0]!.payload
    const q200 = Buffer.from(withTables)
    q200[5] = 200
    const noTables = Buffer.concat([q200.subarray(0, 8), Buffer.from([0, 0, 0, 0]), q200.subarray(8 + 4 + 128)])
    const packet = fc.record({
      timestamp: fc.integer({ min: 0, max: 3 }),
      marker: fc.boolean(),
      payload: fc.oneof(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), fc.constantFrom(...packets, q200, noTables))
    })
    let frames = 0
    fc.assert(fc.property(fc.array(packet, { maxLength: 40 }), (sequence) => {
      const counted = countAll(sequence)
      frames += counted.filter((e) => e._tag === "Frame").length
      expect(summary(counted)).toEqual(summary(pushAll(sequence)))
    }), { numRuns: 400 })
    // Not vacuous: whole frames came through as well as drops.
    expect(frames).toBeGreaterThan(0)
  })

  it("a packet that completes nothing gets the one shared empty answer", () => {
    const counter = makeRfc2435FrameCounter()
    const rtp = asRtp(packets, 0)
    const answers = rtp.slice(0, -1).map((p) => counter.pushPayload(p.timestamp, p.marker, p.payload, 0, p.payload.length))
    expect(new Set(answers).size).toBe(1)
    expect(answers[0]).toEqual([])
  })

  it("never throws on arbitrary packet sequences", () => {
    const packet = fc.record({
      timestamp: fc.integer({ min: 0, max: 3 }),
      marker: fc.boolean(),
      payload: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(...packets))
    })
    fc.assert(fc.property(fc.array(packet, { maxLength: 30 }), (sequence) => {
      const depacketizer = makeRfc2435Depacketizer()
      for (const p of sequence) depacketizer.push(p)
    }), { numRuns: 300 })
  })
})
