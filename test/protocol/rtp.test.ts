import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import {
  decodeRtpPacket,
  encodeRtpHeader,
  encodeRtpPacket,
  isNewerSeq,
  locateRtp,
  makeRtpLayout,
  nextSeq,
  rtpMarkerAt,
  rtpSequenceNumberAt,
  rtpSsrcAt,
  rtpTimestampAt,
  type RtpDecodeErrorReason,
  type RtpHeader,
  type RtpPacket,
  seqDelta,
  timestampDelta,
  writeRtpHeader
} from "../../src/protocol/rtp.js"

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex")

const decodeOk = (bytes: Uint8Array): RtpPacket => {
  const result = decodeRtpPacket(bytes)
  if (Either.isLeft(result)) throw new Error(`expected a packet, got ${result.left.reason}: ${result.left.message}`)
  return result.right
}

const header = (fields: Partial<RtpHeader> = {}): RtpHeader => ({
  marker: false,
  payloadType: 26,
  sequenceNumber: 0,
  timestamp: 0,
  ssrc: 0,
  csrcs: [],
  ...fields
})

/** Canonical vectors: decode(bytes) === packet and encode(packet) === bytes. */
const vectors: ReadonlyArray<{ readonly name: string; readonly bytes: string; readonly packet: RtpPacket }> = [
  {
    name: "classic lab packet: PT 26, seq 1, whole JPEG as payload",
    bytes: "80 1a 0001 00000bb8 00000000  ffd8ffd9",
    packet: { header: header({ sequenceNumber: 1, timestamp: 3000 }), payload: hex("ffd8ffd9"), paddingLength: 0 }
  },
  {
    name: "marker set, all-ones seq and timestamp (unsigned 32-bit)",
    bytes: "80 9a ffff ffffffff deadbeef  010203",
    packet: {
      header: header({ marker: true, sequenceNumber: 0xffff, timestamp: 0xffffffff, ssrc: 0xdeadbeef }),
      payload: hex("010203"),
      paddingLength: 0
    }
  },
  {
    name: "two CSRCs, dynamic PT 96",
    bytes: "82 60 1234 0001e240 11223344  00000001 fffffffe  ab",
    packet: {
      header: header({
        payloadType: 96,
        sequenceNumber: 0x1234,
        timestamp: 123456,
        ssrc: 0x11223344,
        csrcs: [1, 0xfffffffe]
      }),
      payload: hex("ab"),
      paddingLength: 0
    }
  },
  {
    name: "RFC 8285 one-byte header extension (0xBEDE, one word)",
    bytes: "90 60 0005 00000064 0000002a  bede 0001 10ff0000  cd",
    packet: {
      header: header({
        payloadType: 96,
        sequenceNumber: 5,
        timestamp: 100,
        ssrc: 42,
        extension: { profile: 0xbede, data: hex("10ff0000") }
      }),
      payload: hex("cd"),
      paddingLength: 0
    }
  },
  {
    name: "three bytes of padding",
    bytes: "a0 1a 0007 00000000 00000001  aabb 000003",
    packet: { header: header({ sequenceNumber: 7, ssrc: 1 }), payload: hex("aabb"), paddingLength: 3 }
  },
  {
    name: "everything at once, empty payload: CSRC, empty extension, one padding byte",
    bytes: "b1 e0 0000 00000000 00000001  00000002  0001 0000  01",
    packet: {
      header: header({
        marker: true,
        payloadType: 96,
        ssrc: 1,
        csrcs: [2],
        extension: { profile: 1, data: Buffer.alloc(0) }
      }),
      payload: Buffer.alloc(0),
      paddingLength: 1
    }
  },
  {
    name: "header only, no payload",
    bytes: "80 00 8000 80000000 00000000",
    packet: {
      header: header({ payloadType: 0, sequenceNumber: 0x8000, timestamp: 0x80000000 }),
      payload: Buffer.alloc(0),
      paddingLength: 0
    }
  }
]

/** Inputs that decode fine but re-encode differently (canonical form on the right). */
const nonCanonical: ReadonlyArray<{ readonly name: string; readonly bytes: string; readonly canonical: string }> = [
  {
    name: "non-zero padding bytes re-encode as zeros",
    bytes: "a0 1a 0007 00000000 00000001  aabb ffee03",
    canonical: "a0 1a 0007 00000000 00000001  aabb 000003"
  },
  {
    name: "padding that swallows the whole payload",
    bytes: "a0 1a 0007 00000000 00000001  123403",
    canonical: "a0 1a 0007 00000000 00000001  000003"
  }
]

const errors: ReadonlyArray<{ readonly name: string; readonly bytes: string; readonly reason: RtpDecodeErrorReason }> = [
  { name: "empty", bytes: "", reason: "TooShort" },
  { name: "11 bytes", bytes: "80 1a 0001 00000bb8 000000", reason: "TooShort" },
  { name: "version 0", bytes: "00 1a 0001 00000bb8 00000000", reason: "BadVersion" },
  { name: "version 1", bytes: "40 1a 0001 00000bb8 00000000 ff", reason: "BadVersion" },
  { name: "version 3", bytes: "c0 1a 0001 00000bb8 00000000", reason: "BadVersion" },
  { name: "CC=3 with two CSRCs", bytes: "83 60 0001 00000000 00000000  00000001 00000002", reason: "TruncatedCsrcList" },
  { name: "CC=1 and nothing after the header", bytes: "81 60 0001 00000000 00000000", reason: "TruncatedCsrcList" },
  { name: "X set, half an extension header", bytes: "90 60 0001 00000000 00000000  bede", reason: "TruncatedExtension" },
  {
    name: "extension claims 2 words, has 1",
    bytes: "90 60 0001 00000000 00000000  bede 0002 10ff0000",
    reason: "TruncatedExtension"
  },
  { name: "P set, count 0", bytes: "a0 1a 0007 00000000 00000001  aabb 00", reason: "BadPadding" },
  { name: "P set, count past the header", bytes: "a0 1a 0007 00000000 00000001  aa 03", reason: "BadPadding" },
  { name: "P set on a bare header", bytes: "a0 1a 0007 00000000 00000001", reason: "BadPadding" },
  {
    name: "P set, count reaches into the extension",
    bytes: "b0 1a 0007 00000000 00000001  bede 0001 00000005",
    reason: "BadPadding"
  }
]

describe("RTP vectors", () => {
  it.each(vectors)("decodes $name", ({ bytes, packet }) => {
    expect(decodeOk(hex(bytes))).toStrictEqual(packet)
  })

  it.each(vectors)("encodes $name", ({ bytes, packet }) => {
    expect(encodeRtpPacket(packet).toString("hex")).toBe(hex(bytes).toString("hex"))
  })

  it.each(vectors.filter((v) => v.packet.paddingLength === 0))(
    "encodeRtpHeader gives the header part of $name",
    ({ bytes, packet }) => {
      const full = hex(bytes)
      const headerPart = full.subarray(0, full.length - packet.payload.length)
      expect(encodeRtpHeader(packet.header).toString("hex")).toBe(headerPart.toString("hex"))
    }
  )

  it.each(nonCanonical)("re-encodes $name canonically", ({ bytes, canonical }) => {
    expect(encodeRtpPacket(decodeOk(hex(bytes))).toString("hex")).toBe(hex(canonical).toString("hex"))
  })
})

describe("RTP decode errors", () => {
  it.each(errors)("rejects $name with $reason", ({ bytes, reason }) => {
    const result = decodeRtpPacket(hex(bytes))
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left._tag).toBe("RtpDecodeError")
      expect(result.left.reason).toBe(reason)
      expect(result.left.message.length).toBeGreaterThan(10)
    }
  })
})

describe("RTP decode details", () => {
  it("returns the payload as a view into the input, not a copy", () => {
    const bytes = hex("80 1a 0001 00000bb8 00000000 ffd8ffd9")
    const packet = decodeOk(bytes)
    bytes[12] = 0x00
    expect(packet.payload[0]).toBe(0x00)
    expect(packet.payload.buffer).toBe(bytes.buffer)
  })

  it("accepts a plain Uint8Array that is a window into a larger buffer", () => {
    const backing = new Uint8Array(40).fill(0xee)
    backing.set(hex("80 9a ffff ffffffff deadbeef 010203"), 5)
    const view = new Uint8Array(backing.buffer, 5, 15)
    expect(decodeOk(view)).toStrictEqual(vectors[1]!.packet)
  })
})

describe("RTP encode", () => {
  it("writeRtpHeader writes the plain header at an offset without touching neighbours", () => {
    const target = Buffer.alloc(20, 0xee)
    writeRtpHeader(target, 4, true, 26, 0x1234, 0xcafebabe, 0x01020304)
    expect(target.toString("hex")).toBe("eeeeeeee" + "809a1234cafebabe01020304" + "eeeeeeee")
  })

  it("writeRtpHeader wraps sequence numbers and timestamps", () => {
    const target = Buffer.alloc(12)
    writeRtpHeader(target, 0, false, 26 + 128, 65536 + 3, 2 ** 32 + 5, -1)
    expect(target.toString("hex")).toBe("801a0003" + "00000005" + "ffffffff")
  })

  it("rejects headers the wire format cannot carry", () => {
    expect(() => encodeRtpHeader(header({ csrcs: Array.from({ length: 16 }, (_, i) => i) }))).toThrow(RangeError)
    expect(() => encodeRtpHeader(header({ extension: { profile: 1, data: Buffer.alloc(3) } }))).toThrow(RangeError)
    expect(() => encodeRtpPacket({ header: header(), payload: Buffer.alloc(1), paddingLength: 256 })).toThrow(RangeError)
    expect(() => encodeRtpPacket({ header: header(), payload: Buffer.alloc(1), paddingLength: -1 })).toThrow(RangeError)
  })
})

describe("RTP sequence arithmetic", () => {
  it.each([
    { a: 1, b: 65535, delta: 2 },
    { a: 65535, b: 1, delta: -2 },
    { a: 5, b: 5, delta: 0 },
    { a: 32767, b: 0, delta: 32767 },
    { a: 32768, b: 0, delta: -32768 },
    { a: 0, b: 32768, delta: -32768 },
    { a: 100, b: 65500, delta: 136 }
  ])("seqDelta($a, $b) = $delta", ({ a, b, delta }) => {
    expect(seqDelta(a, b)).toBe(delta)
    expect(isNewerSeq(a, b)).toBe(delta > 0)
  })

  it("nextSeq wraps at 2^16", () => {
    expect(nextSeq(65535)).toBe(0)
    expect(nextSeq(41)).toBe(42)
  })

  it("timestampDelta is signed across the 32-bit wrap", () => {
    expect(timestampDelta(5, 0xfffffffb)).toBe(10)
    expect(timestampDelta(0xfffffffb, 5)).toBe(-10)
    expect(timestampDelta(90000, 87000)).toBe(3000)
  })

  it("seqDelta inverts modular addition for every distance in range", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: -32768, max: 32767 }), (b, d) => {
        expect(seqDelta((b + d) & 0xffff, b)).toBe(d)
      }),
      { numRuns: 300 }
    )
  })
})

const uint32 = fc.integer({ min: 0, max: 0xffffffff })

const arbHeader: fc.Arbitrary<RtpHeader> = fc
  .record({
    marker: fc.boolean(),
    payloadType: fc.integer({ min: 0, max: 127 }),
    sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
    timestamp: uint32,
    ssrc: uint32,
    csrcs: fc.array(uint32, { maxLength: 15 }),
    extension: fc.option(
      fc.record({
        profile: fc.integer({ min: 0, max: 0xffff }),
        data: fc.array(uint32, { maxLength: 8 }).map((words) => {
          const data = Buffer.alloc(words.length * 4)
          words.forEach((w, i) => data.writeUInt32BE(w, i * 4))
          return data
        })
      }),
      { nil: undefined }
    )
  })
  .map(({ extension, ...rest }) => (extension === undefined ? rest : { ...rest, extension }))

const arbPacket: fc.Arbitrary<RtpPacket> = fc.record({
  header: arbHeader,
  payload: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  paddingLength: fc.integer({ min: 0, max: 255 })
})

/**
 * locateRtp reads a packet in place, at an offset inside a larger buffer, and must say what
 * decodeRtpPacket says: the same verdict, the same payload and the same header fields.
 */
const expectLocateAgrees = (packet: Uint8Array): void => {
  const offset = 5
  const host = Buffer.alloc(offset + packet.length + 3, 0xee)
  host.set(packet, offset)
  const layout = makeRtpLayout()
  const reason = locateRtp(host, offset, packet.length, layout)
  const decoded = decodeRtpPacket(packet)
  if (Either.isLeft(decoded)) {
    expect(reason).toBe(decoded.left.reason)
    return
  }
  expect(reason).toBeUndefined()
  expect(host.subarray(layout.payloadStart, layout.payloadEnd).equals(decoded.right.payload)).toBe(true)
  expect(layout.paddingLength).toBe(decoded.right.paddingLength)
  const h = decoded.right.header
  expect([rtpSequenceNumberAt(host, offset), rtpTimestampAt(host, offset), rtpSsrcAt(host, offset), rtpMarkerAt(host, offset)])
    .toEqual([h.sequenceNumber, h.timestamp, h.ssrc, h.marker])
}

describe("locateRtp: the in-place reading decodeRtpPacket shares", () => {
  it.each([...vectors, ...nonCanonical])("agrees on $name", ({ bytes }) => expectLocateAgrees(hex(bytes)))
  it.each(errors)("agrees on $name ($reason)", ({ bytes }) => expectLocateAgrees(hex(bytes)))
  it("agrees on arbitrary version-2 bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 96 }), (raw) => {
        const bytes = Buffer.from(raw)
        if (bytes.length > 0) bytes[0] = 0x80 | (bytes[0]! & 0x3f)
        expectLocateAgrees(bytes)
      }),
      { numRuns: 500 }
    )
  })
})

describe("RTP properties", () => {
  it("decode never throws on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), (bytes) => {
        const result = decodeRtpPacket(bytes)
        expect(Either.isEither(result)).toBe(true)
      }),
      { numRuns: 500 }
    )
  })

  it("decode never throws on version-2 bytes, and what decodes re-encodes to the same bytes", () => {
    let decodedCount = 0
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 12, maxLength: 128, size: "medium" }), (raw) => {
        const bytes = Buffer.from(raw)
        // Version 2, random P and X, at most 3 CSRCs: most inputs then get past the header checks.
        bytes[0] = 0x80 | (bytes[0]! & 0x33)
        const result = decodeRtpPacket(bytes)
        if (Either.isRight(result)) {
          decodedCount++
          const again = encodeRtpPacket(result.right)
          const p = result.right.paddingLength
          expect(again.length).toBe(bytes.length)
          // Identical except the padding filler, which the encoder writes as zeros.
          expect(again.subarray(0, again.length - p).equals(bytes.subarray(0, bytes.length - p))).toBe(true)
          expect(again[again.length - 1]).toBe(bytes[bytes.length - 1])
        }
      }),
      { numRuns: 500 }
    )
    // Guard against a vacuous property: a good share of inputs must decode.
    expect(decodedCount).toBeGreaterThan(50)
  })

  it("decode(encode(packet)) is the packet", () => {
    fc.assert(
      fc.property(arbPacket, (packet) => {
        expect(decodeOk(encodeRtpPacket(packet))).toStrictEqual(packet)
      }),
      { numRuns: 300 }
    )
  })

  it("writeRtpHeader matches encodeRtpHeader for plain headers", () => {
    fc.assert(
      fc.property(arbHeader, (h) => {
        const { marker, payloadType, sequenceNumber, timestamp, ssrc } = h
        const plain: RtpHeader = { marker, payloadType, sequenceNumber, timestamp, ssrc, csrcs: [] }
        const target = Buffer.alloc(12)
        writeRtpHeader(target, 0, h.marker, h.payloadType, h.sequenceNumber, h.timestamp, h.ssrc)
        expect(target.equals(encodeRtpHeader(plain))).toBe(true)
      }),
      { numRuns: 300 }
    )
  })
})
