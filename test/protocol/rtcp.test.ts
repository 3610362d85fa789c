import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import {
  decodeRtcpCompound,
  encodeRtcpCompound,
  encodeRtcpPacket,
  type Goodbye,
  ntpFromUnixMillis,
  ntpMiddle32,
  ntpShortFromMillis,
  type ReceiverReport,
  type ReportBlock,
  type RtcpDecodeErrorReason,
  type RtcpPacket,
  type SdesChunk,
  type SenderReport,
  type SourceDescription,
  type UnknownRtcpPacket,
  unixMillisFromNtp
} from "../../src/protocol/rtcp.js"

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex")

const decodeOk = (bytes: Uint8Array): ReadonlyArray<RtcpPacket> => {
  const result = decodeRtcpCompound(bytes)
  if (Either.isLeft(result)) throw new Error(`expected packets, got ${result.left.reason}: ${result.left.message}`)
  return result.right
}

// --- Building blocks shared by the vectors ----------------------------------------------

// An SR as ffmpeg/live555 send at stream start: no report blocks.
const srBytes = "80c80006 12345678 e83b2a10 80000000 00015f90 0000000a 00003039"
const sr: SenderReport = {
  _tag: "SenderReport",
  ssrc: 0x12345678,
  ntpTimestamp: { msw: 0xe83b2a10, lsw: 0x80000000 },
  rtpTimestamp: 90000,
  packetCount: 10,
  octetCount: 12345,
  reports: []
}

// SDES with one CNAME: 4 + 2 + 10 bytes, then 4 null octets to reach the word boundary.
const sdesBytes = "81ca0005 12345678 010a 66666d7065672d63616d 00000000"
const sdes: SourceDescription = {
  _tag: "SourceDescription",
  chunks: [{ ssrc: 0x12345678, items: [{ type: 1, value: "ffmpeg-cam" }] }]
}

// RR from a client about that stream: 25/256 lost, cumulative -2 (duplicates), LSR = middle of the SR's NTP.
const rrBytes = "81c90007 9abcdef0  12345678 19fffffe 0001002a 00000100 2a108000 00018000"
const rr: ReceiverReport = {
  _tag: "ReceiverReport",
  ssrc: 0x9abcdef0,
  reports: [
    {
      ssrc: 0x12345678,
      fractionLost: 25,
      cumulativeLost: -2,
      highestSeq: 0x0001002a,
      jitter: 256,
      lastSr: 0x2a108000,
      delaySinceLastSr: 0x18000
    }
  ]
}

const byeBytes = "81cb0004 12345678 08 7465617264 6f776e 000000"
const bye: Goodbye = { _tag: "Goodbye", ssrcs: [0x12345678], reason: "teardown" }

const block = (ssrc: number, fractionLost: number, cumulativeLost: number, base: number): ReportBlock => ({
  ssrc,
  fractionLost,
  cumulativeLost,
  highestSeq: base,
  jitter: base + 1,
  lastSr: base + 2,
  delaySinceLastSr: base + 3
})

/** Canonical vectors: decode(bytes) equals packets and encode(packets) equals bytes. */
const vectors: ReadonlyArray<{ readonly name: string; readonly bytes: string; readonly packets: ReadonlyArray<RtcpPacket> }> = [
  { name: "SR without report blocks", bytes: srBytes, packets: [sr] },
  { name: "SDES with one CNAME", bytes: sdesBytes, packets: [sdes] },
  { name: "SR + SDES compound (a server's periodic report)", bytes: srBytes + sdesBytes, packets: [sr, sdes] },
  { name: "RR with one block and negative cumulative loss", bytes: rrBytes, packets: [rr] },
  { name: "empty RR", bytes: "80c90001 9abcdef0", packets: [{ _tag: "ReceiverReport", ssrc: 0x9abcdef0, reports: [] }] },
  {
    name: "SR with two blocks at the cumulative-loss extremes",
    bytes:
      "82c80012 00000001 00000002 00000003 00000004 00000005 00000006" +
      " 0000000a ff7fffff 0000000b 0000000c 0000000d 0000000e" +
      " 00000014 00800000 00000015 00000016 00000017 00000018",
    packets: [
      {
        _tag: "SenderReport",
        ssrc: 1,
        ntpTimestamp: { msw: 2, lsw: 3 },
        rtpTimestamp: 4,
        packetCount: 5,
        octetCount: 6,
        reports: [block(10, 255, 0x7fffff, 11), block(20, 0, -0x800000, 21)]
      }
    ]
  },
  {
    name: "SDES with two chunks, several items, UTF-8 text",
    bytes: "82ca0008 00000001 0101 61 0203 426f62 00000000  00000002 0103 78797a 0702 c3a9 000000",
    packets: [
      {
        _tag: "SourceDescription",
        chunks: [
          { ssrc: 1, items: [{ type: 1, value: "a" }, { type: 2, value: "Bob" }] },
          { ssrc: 2, items: [{ type: 1, value: "xyz" }, { type: 7, value: "é" }] }
        ]
      }
    ]
  },
  {
    name: "SDES chunk without items",
    bytes: "81ca0002 00000007 00000000",
    packets: [{ _tag: "SourceDescription", chunks: [{ ssrc: 7, items: [] }] }]
  },
  { name: "SDES without chunks", bytes: "80ca0000", packets: [{ _tag: "SourceDescription", chunks: [] }] },
  { name: "BYE without reason", bytes: "81cb0001 12345678", packets: [{ _tag: "Goodbye", ssrcs: [0x12345678] }] },
  { name: "BYE with reason", bytes: byeBytes, packets: [bye] },
  {
    name: "BYE for two sources with an empty reason",
    bytes: "82cb0003 00000001 00000002 00000000",
    packets: [{ _tag: "Goodbye", ssrcs: [1, 2], reason: "" }]
  },
  { name: "BYE with no sources", bytes: "80cb0000", packets: [{ _tag: "Goodbye", ssrcs: [] }] },
  {
    name: "APP (204) kept as Unknown with its subtype",
    bytes: "81cc0003 12345678 6e616d65 deadbeef",
    packets: [{ _tag: "Unknown", packetType: 204, count: 1, body: hex("12345678 6e616d65 deadbeef") }]
  },
  {
    name: "XR (207) kept as Unknown",
    bytes: "80cf0002 12345678 00000000",
    packets: [{ _tag: "Unknown", packetType: 207, count: 0, body: hex("12345678 00000000") }]
  },
  {
    name: "RR + SDES + BYE compound (a client leaving)",
    bytes: rrBytes + sdesBytes + byeBytes,
    packets: [rr, sdes, bye]
  }
]

/** Inputs that decode but re-encode differently; the right column is the canonical form. */
const nonCanonical: ReadonlyArray<{ readonly name: string; readonly bytes: string; readonly canonical: string }> = [
  {
    name: "SR with a profile-specific extension (dropped)",
    bytes: "80c80007 12345678 e83b2a10 80000000 00015f90 0000000a 00003039 cafebabe",
    canonical: srBytes
  },
  {
    name: "RR with the P bit and four bytes of padding",
    bytes: "a0c90002 9abcdef0 00000004",
    canonical: "80c90001 9abcdef0"
  },
  {
    name: "padded APP: the body loses its padding",
    bytes: "81cc0003 12345678 6e616d65 deadbeef" + "a1cc0003 12345678 6e616d65 00000004",
    canonical: "81cc0003 12345678 6e616d65 deadbeef" + "81cc0002 12345678 6e616d65"
  },
  {
    name: "padding that leaves an unaligned Unknown body (zero-filled on encode)",
    bytes: "a1cc0002 12345678 aabb0002",
    canonical: "81cc0002 12345678 aabb0000"
  },
  {
    name: "SDES with garbage after the null terminator",
    bytes: "81ca0002 00000007 00ffffff",
    canonical: "81ca0002 00000007 00000000"
  },
  {
    name: "SDES with a spare null word after the last chunk",
    bytes: "81ca0003 00000007 00000000 00000000",
    canonical: "81ca0002 00000007 00000000"
  },
  {
    name: "BYE reason padded with non-zero bytes",
    bytes: "81cb0002 12345678 01 41 ffff",
    canonical: "81cb0002 12345678 01 41 0000"
  }
]

const errors: ReadonlyArray<{ readonly name: string; readonly bytes: string; readonly reason: RtcpDecodeErrorReason }> = [
  { name: "empty datagram", bytes: "", reason: "TooShort" },
  { name: "three bytes", bytes: "80c900", reason: "TooShort" },
  { name: "two stray bytes after a packet", bytes: "80c90001 9abcdef0 80c9", reason: "TooShort" },
  { name: "version 1", bytes: "40c90001 9abcdef0", reason: "BadVersion" },
  { name: "version 0 on the second packet", bytes: "80c90001 9abcdef0 00c90001 9abcdef0", reason: "BadVersion" },
  { name: "version 3", bytes: "c0c90001 9abcdef0", reason: "BadVersion" },
  { name: "length claims 12 bytes, 8 present", bytes: "80c90002 9abcdef0", reason: "BadLength" },
  { name: "second packet's length overruns", bytes: srBytes + "81ca0009 12345678", reason: "BadLength" },
  { name: "P bit on a packet that is not last", bytes: "a0c90001 9abcde01 80c90001 9abcdef0", reason: "BadPadding" },
  { name: "padding count 0", bytes: "a0c90001 9abcde00", reason: "BadPadding" },
  { name: "padding count past the body", bytes: "a0c90001 00000005", reason: "BadPadding" },
  { name: "SR body shorter than the sender info", bytes: "80c80001 12345678", reason: "BadReport" },
  { name: "RR with no SSRC", bytes: "80c90000", reason: "BadReport" },
  { name: "RR claiming one block with none", bytes: "81c90001 9abcdef0", reason: "BadReport" },
  {
    name: "SR claiming two blocks with one",
    bytes:
      "82c8000c 00000001 00000002 00000003 00000004 00000005 00000006" +
      " 0000000a ff7fffff 0000000b 0000000c 0000000d 0000000e",
    reason: "BadReport"
  },
  {
    name: "padding that eats into the report blocks",
    bytes: "a1c90007 9abcdef0 12345678 19fffffe 0001002a 00000100 2a108000 00018004",
    reason: "BadReport"
  },
  { name: "SDES claiming a chunk with an empty body", bytes: "81ca0000", reason: "BadSourceDescription" },
  { name: "SDES item without null terminator", bytes: "81ca0002 00000001 01026162", reason: "BadSourceDescription" },
  { name: "SDES item longer than the packet", bytes: "81ca0002 00000001 01056162", reason: "BadSourceDescription" },
  { name: "SDES item without a length octet", bytes: "81ca0002 00000001 01016101", reason: "BadSourceDescription" },
  {
    name: "SDES claiming two chunks with one",
    bytes: "82ca0002 00000007 00000000",
    reason: "BadSourceDescription"
  },
  { name: "BYE claiming two SSRCs with one", bytes: "82cb0001 00000001", reason: "BadGoodbye" },
  { name: "BYE reason longer than the packet", bytes: "81cb0002 00000001 09616263", reason: "BadGoodbye" }
]

describe("RTCP vectors", () => {
  it.each(vectors)("decodes $name", ({ bytes, packets }) => {
    expect(decodeOk(hex(bytes))).toStrictEqual(packets)
  })

  it.each(vectors)("encodes $name", ({ bytes, packets }) => {
    expect(encodeRtcpCompound(packets).toString("hex")).toBe(hex(bytes).toString("hex"))
  })

  it.each(nonCanonical)("re-encodes $name canonically", ({ bytes, canonical }) => {
    expect(encodeRtcpCompound(decodeOk(hex(bytes))).toString("hex")).toBe(hex(canonical).toString("hex"))
  })

  it("encodeRtcpPacket encodes one packet of a compound", () => {
    expect(encodeRtcpPacket(sdes).toString("hex")).toBe(hex(sdesBytes).toString("hex"))
  })

  it("decodes a plain Uint8Array window and returns Unknown bodies as views", () => {
    const backing = new Uint8Array(64).fill(0xee)
    const app = hex("81cc0003 12345678 6e616d65 deadbeef")
    backing.set(app, 8)
    const packets = decodeOk(new Uint8Array(backing.buffer, 8, app.length))
    const unknown = packets[0] as UnknownRtcpPacket
    expect(unknown.body.toString("hex")).toBe("123456786e616d65deadbeef")
    backing[12] = 0x00
    expect(unknown.body[0]).toBe(0x00)
  })
})

describe("RTCP decode errors", () => {
  it.each(errors)("rejects $name with $reason", ({ bytes, reason }) => {
    const result = decodeRtcpCompound(hex(bytes))
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left._tag).toBe("RtcpDecodeError")
      expect(result.left.reason).toBe(reason)
      expect(result.left.message).toMatch(/RTCP/)
    }
  })
})

describe("RTCP encode limits", () => {
  it("saturates cumulative loss at the signed 24-bit range", () => {
    const rrWith = (cumulativeLost: number): RtcpPacket => ({
      _tag: "ReceiverReport",
      ssrc: 1,
      reports: [{ ...block(2, 0, cumulativeLost, 0) }]
    })
    const lostField = (p: RtcpPacket) => encodeRtcpPacket(p).subarray(13, 16).toString("hex")
    expect(lostField(rrWith(10_000_000))).toBe("7fffff")
    expect(lostField(rrWith(-10_000_000))).toBe("800000")
    expect(lostField(rrWith(-1))).toBe("ffffff")
  })

  it("cuts SDES text and BYE reasons to 255 bytes on a character boundary", () => {
    const long = "é".repeat(200) // 400 UTF-8 bytes; 127 whole characters fit in 255
    const encoded = encodeRtcpPacket({ _tag: "SourceDescription", chunks: [{ ssrc: 1, items: [{ type: 1, value: long }] }] })
    const decoded = decodeOk(encoded)[0] as SourceDescription
    expect(decoded.chunks[0]!.items[0]!.value).toBe("é".repeat(127))
    const byeDecoded = decodeOk(encodeRtcpPacket({ _tag: "Goodbye", ssrcs: [], reason: "x".repeat(300) }))[0] as Goodbye
    expect(byeDecoded.reason).toBe("x".repeat(255))
  })

  it("throws RangeError for counts that do not fit 5 bits", () => {
    const blocks = Array.from({ length: 32 }, (_, i) => block(i, 0, 0, 0))
    expect(() => encodeRtcpPacket({ _tag: "ReceiverReport", ssrc: 1, reports: blocks })).toThrow(RangeError)
    expect(() => encodeRtcpPacket({ ...sr, reports: blocks })).toThrow(RangeError)
    const chunks: Array<SdesChunk> = Array.from({ length: 32 }, (_, i) => ({ ssrc: i, items: [] }))
    expect(() => encodeRtcpPacket({ _tag: "SourceDescription", chunks })).toThrow(RangeError)
    expect(() => encodeRtcpPacket({ _tag: "Goodbye", ssrcs: Array.from({ length: 32 }, (_, i) => i) })).toThrow(RangeError)
    expect(() => encodeRtcpPacket({ _tag: "Unknown", packetType: 204, count: 32, body: Buffer.alloc(0) })).toThrow(RangeError)
  })

  it("accepts exactly 31 report blocks", () => {
    const blocks = Array.from({ length: 31 }, (_, i) => block(i, i, i - 15, i * 7))
    const packet: RtcpPacket = { _tag: "ReceiverReport", ssrc: 1, reports: blocks }
    const encoded = encodeRtcpPacket(packet)
    expect(encoded.length).toBe(8 + 31 * 24)
    expect(decodeOk(encoded)).toStrictEqual([packet])
  })
})

describe("NTP helpers", () => {
  it.each([
    { ms: 0, msw: 2208988800, lsw: 0 },
    { ms: 1500, msw: 2208988801, lsw: 0x80000000 },
    { ms: 1_700_000_000_250, msw: 3908988800, lsw: 0x40000000 },
    // 2036-02-07T06:28:16Z: NTP era 1 starts, seconds wrap to 0
    { ms: 2_085_978_496_000, msw: 0, lsw: 0 },
    { ms: -1, msw: 2208988799, lsw: 4290672328 }
  ])("ntpFromUnixMillis($ms)", ({ ms, msw, lsw }) => {
    expect(ntpFromUnixMillis(ms)).toStrictEqual({ msw, lsw })
  })

  it("ntpMiddle32 takes the low 16 bits of seconds and the high 16 of the fraction", () => {
    expect(ntpMiddle32({ msw: 0xe83b2a10, lsw: 0x80000000 })).toBe(0x2a108000)
    expect(ntpMiddle32({ msw: 0xffffffff, lsw: 0xffffffff })).toBe(0xffffffff)
    expect(ntpMiddle32(ntpFromUnixMillis(1_700_000_000_250))).toBe(((3908988800 & 0xffff) << 16 | 0x4000) >>> 0)
  })

  it("ntpShortFromMillis counts 1/65536 s", () => {
    expect(ntpShortFromMillis(1500)).toBe(0x18000)
    expect(ntpShortFromMillis(0)).toBe(0)
    expect(ntpShortFromMillis(-5)).toBe(0)
    expect(ntpShortFromMillis(1e12)).toBe(0xffffffff)
  })

  it("unixMillisFromNtp inverts ntpFromUnixMillis within NTP's resolution", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 2_085_978_495_999, noNaN: true }), (ms) => {
        expect(Math.abs(unixMillisFromNtp(ntpFromUnixMillis(ms)) - ms)).toBeLessThan(0.001)
      }),
      { numRuns: 300 }
    )
  })
})

// --- Properties ----------------------------------------------------------------------------

const uint32 = fc.integer({ min: 0, max: 0xffffffff })

const arbBlock: fc.Arbitrary<ReportBlock> = fc.record({
  ssrc: uint32,
  fractionLost: fc.integer({ min: 0, max: 255 }),
  cumulativeLost: fc.integer({ min: -0x800000, max: 0x7fffff }),
  highestSeq: uint32,
  jitter: uint32,
  lastSr: uint32,
  delaySinceLastSr: uint32
})

const arbBlocks = fc.array(arbBlock, { maxLength: 4 })

// At most 63 code points of up to 4 bytes: always within the 255-byte item limit.
const arbText = fc.fullUnicodeString({ maxLength: 63 })

const arbPacket: fc.Arbitrary<RtcpPacket> = fc.oneof(
  fc.record({
    _tag: fc.constant("SenderReport" as const),
    ssrc: uint32,
    ntpTimestamp: fc.record({ msw: uint32, lsw: uint32 }),
    rtpTimestamp: uint32,
    packetCount: uint32,
    octetCount: uint32,
    reports: arbBlocks
  }),
  fc.record({ _tag: fc.constant("ReceiverReport" as const), ssrc: uint32, reports: arbBlocks }),
  fc.record({
    _tag: fc.constant("SourceDescription" as const),
    chunks: fc.array(
      fc.record({
        ssrc: uint32,
        items: fc.array(fc.record({ type: fc.integer({ min: 1, max: 255 }), value: arbText }), { maxLength: 4 })
      }),
      { maxLength: 4 }
    )
  }),
  fc
    .record({ ssrcs: fc.array(uint32, { maxLength: 5 }), reason: fc.option(arbText, { nil: undefined }) })
    .map(({ ssrcs, reason }): Goodbye =>
      reason === undefined ? { _tag: "Goodbye", ssrcs } : { _tag: "Goodbye", ssrcs, reason }
    ),
  fc.record({
    _tag: fc.constant("Unknown" as const),
    packetType: fc.integer({ min: 0, max: 255 }).filter((t) => t < 200 || t > 203),
    count: fc.integer({ min: 0, max: 31 }),
    body: fc.array(uint32, { maxLength: 6 }).map((words) => {
      const body = Buffer.alloc(words.length * 4)
      words.forEach((w, i) => body.writeUInt32BE(w, i * 4))
      return body
    })
  })
)

const arbCompound = fc.array(arbPacket, { minLength: 1, maxLength: 5 })

/** Re-encodes whatever decodes; undefined when it does not. */
const normalise = (bytes: Uint8Array): Buffer | undefined => {
  const result = decodeRtcpCompound(bytes)
  return Either.isRight(result) ? encodeRtcpCompound(result.right) : undefined
}

describe("RTCP properties", () => {
  it("decode never throws on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 160 }), (bytes) => {
        expect(Either.isEither(decodeRtcpCompound(bytes))).toBe(true)
      }),
      { numRuns: 500 }
    )
  })

  it("decode(encode(compound)) is the compound", () => {
    fc.assert(
      fc.property(arbCompound, (packets) => {
        expect(decodeOk(encodeRtcpCompound(packets))).toStrictEqual(packets)
      }),
      { numRuns: 300 }
    )
  })

  it("mutated valid compounds never throw, and what decodes is canonical after one re-encode", () => {
    const seeds = fc.oneof(
      fc.constantFrom(...vectors.map((v) => hex(v.bytes)), ...nonCanonical.map((v) => hex(v.bytes))),
      arbCompound.map(encodeRtcpCompound)
    )
    const mutation = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
    let decodedCount = 0
    fc.assert(
      fc.property(seeds, mutation, (seed, edits) => {
        const bytes = Buffer.from(seed)
        for (const [position, value] of edits) if (bytes.length > 0) bytes[position % bytes.length] = value
        const once = normalise(bytes)
        if (once === undefined) return
        decodedCount++
        expect(normalise(once)?.toString("hex")).toBe(once.toString("hex"))
      }),
      { numRuns: 500 }
    )
    // Guard against a vacuous property: a good share of mutants must still decode.
    expect(decodedCount).toBeGreaterThan(50)
  })
})
