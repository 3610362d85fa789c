import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import {
  decodeRfc2435Header,
  type Rfc2435Header,
  rfc2435HeaderSize,
  writeRfc2435Header
} from "../../../src/protocol/jpeg/rfc2435Header.js"

const tables = Buffer.from(Array.from({ length: 128 }, (_, i) => i + 1))

// One table drives decode and encode: hex of the headers, then the fields.
const vectors: ReadonlyArray<{ readonly name: string; readonly hex: string; readonly header: Rfc2435Header }> = [
  {
    name: "type 1, Q 75, middle fragment",
    hex: "00 000578 01 4b 30 24",
    header: { typeSpecific: 0, fragmentOffset: 1400, type: 1, q: 75, width: 384, height: 288, dataOffset: 8 }
  },
  {
    name: "type 0, largest dimensions, largest offset",
    hex: "00 ffffff 00 32 ff ff",
    header: { typeSpecific: 0, fragmentOffset: 0xffffff, type: 0, q: 50, width: 2040, height: 2040, dataOffset: 8 }
  },
  {
    name: "type 65 with restart header, not first",
    hex: "00 000100 41 ff 08 06 0004 ffff",
    header: {
      typeSpecific: 0, fragmentOffset: 256, type: 65, q: 255, width: 64, height: 48,
      restart: { interval: 4, first: true, last: true, count: 0x3fff }, dataOffset: 12
    }
  },
  {
    name: "type 64 with restart header, partial count",
    hex: "00 000000 40 32 08 06 0010 8005",
    header: {
      typeSpecific: 0, fragmentOffset: 0, type: 64, q: 50, width: 64, height: 48,
      restart: { interval: 16, first: true, last: false, count: 5 }, dataOffset: 12
    }
  },
  {
    name: "type 1, Q 255, first packet with two 8-bit tables",
    hex: `00 000000 01 ff 30 24 00 00 0080 ${tables.toString("hex")}`,
    header: {
      typeSpecific: 0, fragmentOffset: 0, type: 1, q: 255, width: 384, height: 288,
      quant: { precision: 0, tables }, dataOffset: 8 + 4 + 128
    }
  },
  {
    name: "type 1, Q 200, first packet with cached tables (length 0)",
    hex: "00 000000 01 c8 30 24 00 00 0000",
    header: {
      typeSpecific: 0, fragmentOffset: 0, type: 1, q: 200, width: 384, height: 288,
      quant: { precision: 0, tables: Buffer.alloc(0) }, dataOffset: 12
    }
  }
]

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex")

describe("RFC 2435 headers", () => {
  it.each(vectors)("decodes $name", ({ hex: bytes, header }) => {
    const payload = Buffer.concat([hex(bytes), Buffer.from([0xaa, 0xbb])])
    const decoded = Either.getOrThrow(decodeRfc2435Header(payload))
    expect(decoded).toEqual(header)
    expect(payload.subarray(decoded.dataOffset)).toEqual(Buffer.from([0xaa, 0xbb]))
  })

  it.each(vectors)("encodes $name", ({ hex: bytes, header }) => {
    const target = Buffer.alloc(rfc2435HeaderSize(header))
    expect(writeRfc2435Header(target, header)).toBe(header.dataOffset)
    expect(target.toString("hex")).toBe(hex(bytes).toString("hex"))
  })

  it.each([
    { name: "short main header", hex: "00 000000 01 4b 30", reason: "Short" },
    { name: "short restart header", hex: "00 000000 41 4b 30 24 00", reason: "Short" },
    { name: "short quant header", hex: "00 000000 01 ff 30 24 00 00", reason: "Short" },
    { name: "quant length past the end", hex: "00 000000 01 ff 30 24 00 00 0080 0102", reason: "BadQuantHeader" }
  ])("rejects $name", ({ hex: bytes, reason }) => {
    const result = decodeRfc2435Header(hex(bytes))
    expect(Either.isLeft(result) && result.left.reason).toBe(reason)
  })

  it("never throws on arbitrary payloads", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      decodeRfc2435Header(bytes)
    }), { numRuns: 1000 })
  })

  it("encode then decode is the identity", () => {
    const header = fc.record({
      fragmentOffset: fc.integer({ min: 0, max: 0xffffff }),
      type: fc.constantFrom(0, 1, 64, 65),
      q: fc.integer({ min: 1, max: 255 }),
      width: fc.integer({ min: 1, max: 255 }).map((w) => w * 8),
      height: fc.integer({ min: 1, max: 255 }).map((h) => h * 8),
      interval: fc.integer({ min: 1, max: 0xffff }),
      tables: fc.uint8Array({ minLength: 128, maxLength: 128 })
    })
    fc.assert(fc.property(header, (h) => {
      const fields: Rfc2435Header = {
        typeSpecific: 0,
        fragmentOffset: h.fragmentOffset,
        type: h.type,
        q: h.q,
        width: h.width,
        height: h.height,
        ...(h.type >= 64 ? { restart: { interval: h.interval, first: true, last: true, count: 0x3fff } } : {}),
        ...(h.q >= 128 && h.fragmentOffset === 0 ? { quant: { precision: 0, tables: Buffer.from(h.tables) } } : {}),
        dataOffset: 0
      }
      const size = rfc2435HeaderSize(fields)
      const target = Buffer.alloc(size)
      writeRfc2435Header(target, fields)
      expect(Either.getOrThrow(decodeRfc2435Header(target))).toEqual({ ...fields, dataOffset: size })
    }), { numRuns: 300 })
  })
})
