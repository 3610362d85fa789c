/** Shared RTCP test vectors: hex input, decode-or-fail, the SR/SDES/RR/BYE building blocks and the canonical and non-canonical vectors. */
import { Either } from "effect"
import {
  decodeRtcpCompound,
  type Goodbye,
  type ReceiverReport,
  type ReportBlock,
  type RtcpPacket,
  type SenderReport,
  type SourceDescription
} from "../../src/protocol/rtcp.js"

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex")

export const decodeOk = (bytes: Uint8Array): ReadonlyArray<RtcpPacket> => {
  const result = decodeRtcpCompound(bytes)
  if (Either.isLeft(result)) throw new Error(`expected packets, got ${result.left.reason}: ${result.left.message}`)
  return result.right
}

// --- Building blocks shared by the vectors ----------------------------------------------

// An SR as ffmpeg/live555 send at stream start: no report blocks.
export const srBytes = "80c80006 12345678 e83b2a10 80000000 00015f90 0000000a 00003039"
export const sr: SenderReport = {
  _tag: "SenderReport",
  ssrc: 0x12345678,
  ntpTimestamp: { msw: 0xe83b2a10, lsw: 0x80000000 },
  rtpTimestamp: 90000,
  packetCount: 10,
  octetCount: 12345,
  reports: []
}

// SDES with one CNAME: 4 + 2 + 10 bytes, then 4 null octets to reach the word boundary.
export const sdesBytes = "81ca0005 12345678 010a 66666d7065672d63616d 00000000"
export const sdes: SourceDescription = {
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

export const block = (ssrc: number, fractionLost: number, cumulativeLost: number, base: number): ReportBlock => ({
  ssrc,
  fractionLost,
  cumulativeLost,
  highestSeq: base,
  jitter: base + 1,
  lastSr: base + 2,
  delaySinceLastSr: base + 3
})

/** Canonical vectors: decode(bytes) equals packets and encode(packets) equals bytes. */
export const vectors: ReadonlyArray<{ readonly name: string; readonly bytes: string; readonly packets: ReadonlyArray<RtcpPacket> }> = [
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
export const nonCanonical: ReadonlyArray<{ readonly name: string; readonly bytes: string; readonly canonical: string }> = [
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
