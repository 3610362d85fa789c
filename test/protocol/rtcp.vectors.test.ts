/** RTCP wire vectors: decode and encode of the canonical vectors, canonical re-encoding, and every decode error. */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import {
  decodeRtcpCompound,
  encodeRtcpCompound,
  encodeRtcpPacket,
  type RtcpDecodeErrorReason,
  type UnknownRtcpPacket
} from "../../src/protocol/rtcp.js"
import { decodeOk, hex, nonCanonical, sdes, sdesBytes, srBytes, vectors } from "./rtcpKit.js"

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
