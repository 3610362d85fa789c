import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { findJpegEnd, parseJpeg, scanDataEnd } from "../../../src/protocol/jpeg/markers.js"
import { fixture, fixtureNames } from "./fixtures.js"

interface Expected {
  readonly name: string
  readonly marker: number
  readonly width: number
  readonly height: number
  readonly sampling: string
  readonly restartInterval: number
  readonly scans: number
  readonly quantIds: ReadonlyArray<number>
  readonly huffmanTables: number
}

// What cjpeg wrote (see test/fixtures/jpeg/README.md); -restart N in MCU rows becomes N * MCUs per row.
const cases: ReadonlyArray<Expected> = [
  { name: "baseline-420.jpg", marker: 0xc0, width: 64, height: 48, sampling: "2x2,1x1,1x1", restartInterval: 0, scans: 1, quantIds: [0, 1], huffmanTables: 4 },
  { name: "baseline-422.jpg", marker: 0xc0, width: 64, height: 48, sampling: "2x1,1x1,1x1", restartInterval: 0, scans: 1, quantIds: [0, 1], huffmanTables: 4 },
  { name: "baseline-444.jpg", marker: 0xc0, width: 64, height: 48, sampling: "1x1,1x1,1x1", restartInterval: 0, scans: 1, quantIds: [0, 1], huffmanTables: 4 },
  { name: "dri-420.jpg", marker: 0xc0, width: 64, height: 48, sampling: "2x2,1x1,1x1", restartInterval: 4, scans: 1, quantIds: [0, 1], huffmanTables: 4 },
  { name: "dri-422.jpg", marker: 0xc0, width: 64, height: 48, sampling: "2x1,1x1,1x1", restartInterval: 8, scans: 1, quantIds: [0, 1], huffmanTables: 4 },
  { name: "dri-420-320x240.jpg", marker: 0xc0, width: 320, height: 240, sampling: "2x2,1x1,1x1", restartInterval: 60, scans: 1, quantIds: [0, 1], huffmanTables: 4 },
  { name: "gray.jpg", marker: 0xc0, width: 64, height: 48, sampling: "1x1", restartInterval: 0, scans: 1, quantIds: [0], huffmanTables: 2 },
  { name: "optimised-420.jpg", marker: 0xc0, width: 64, height: 48, sampling: "2x2,1x1,1x1", restartInterval: 0, scans: 1, quantIds: [0, 1], huffmanTables: 4 },
  { name: "progressive-420.jpg", marker: 0xc2, width: 64, height: 48, sampling: "2x2,1x1,1x1", restartInterval: 0, scans: 10, quantIds: [0, 1], huffmanTables: 2 }
]

describe("parseJpeg", () => {
  it("covers every fixture", () => {
    expect(cases.map((c) => c.name).sort()).toEqual([...fixtureNames].sort())
  })

  it.each(cases)("$name", (expected) => {
    const jpeg = fixture(expected.name)
    const info = Either.getOrThrow(parseJpeg(jpeg))
    expect(info.frame.marker).toBe(expected.marker)
    expect(info.frame.precision).toBe(8)
    expect([info.frame.width, info.frame.height]).toEqual([expected.width, expected.height])
    expect(info.frame.components.map((c) => `${c.horizontalSampling}x${c.verticalSampling}`).join(",")).toBe(expected.sampling)
    expect(info.restartInterval).toBe(expected.restartInterval)
    expect(info.scans.length).toBe(expected.scans)
    expect(info.quantTables.map((t) => t.id)).toEqual(expected.quantIds)
    expect(info.quantTables.every((t) => t.precision === 8 && t.bytes.length === 64 && t.values.length === 64)).toBe(true)
    expect(info.huffmanTables.length).toBe(expected.huffmanTables)
    expect(info.end).toBe(jpeg.length)
    expect(jpeg.readUInt16BE(info.eoiOffset)).toBe(0xffd9)
    const lastScan = info.scans[info.scans.length - 1]!
    expect(lastScan.dataEnd).toBe(info.eoiOffset)
    // The scan header (FF DA, length, count, 2 bytes per component, Ss, Se, AhAl) ends where the data starts.
    const firstScan = info.scans[0]!
    expect(jpeg.readUInt16BE(firstScan.dataStart - (8 + 2 * firstScan.components.length))).toBe(0xffda)
  })

  it("reads 8-bit quantisation values in zigzag order as stored", () => {
    const info = Either.getOrThrow(parseJpeg(fixture("baseline-420.jpg")))
    // cjpeg -quality 75 scales the standard luma table by 50%: 16, 11, 12, 14 -> 8, 6, 6, 7.
    expect(info.quantTables[0]!.values.slice(0, 4)).toEqual([8, 6, 6, 7])
  })

  it("reads 16-bit quantisation tables", () => {
    const jpeg = Buffer.from(fixture("baseline-420.jpg"))
    // Inserted just before SOF, so it replaces table 0.
    const at = jpeg.indexOf(Buffer.from([0xff, 0xc0]))
    const entries = Buffer.alloc(128)
    for (let i = 0; i < 64; i++) entries.writeUInt16BE(300 + i, i * 2)
    const table16 = Buffer.concat([Buffer.from([0xff, 0xdb, 0x00, 2 + 1 + 128, 0x10]), entries])
    const patched = Buffer.concat([jpeg.subarray(0, at), table16, jpeg.subarray(at)])
    const info = Either.getOrThrow(parseJpeg(patched))
    const t = info.quantTables.find((q) => q.precision === 16)
    expect(t?.id).toBe(0)
    expect(t?.values[0]).toBe(300)
    expect(t?.values[63]).toBe(363)
  })

  it("collects COM text before the scan", () => {
    const jpeg = fixture("baseline-420.jpg")
    const text = Buffer.from("effect-rtsp:fps=25", "latin1")
    const com = Buffer.concat([Buffer.from([0xff, 0xfe, 0, text.length + 2]), text])
    const info = Either.getOrThrow(parseJpeg(Buffer.concat([jpeg.subarray(0, 2), com, jpeg.subarray(2)])))
    expect(info.comments).toEqual(["effect-rtsp:fps=25"])
  })
})

describe("scan data", () => {
  it("treats stuffed bytes and restart markers as data", () => {
    const data = Buffer.from([0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0xd7, 0x78, 0xff, 0xd9])
    expect(scanDataEnd(data, 0)).toBe(10)
  })

  it("the DRI fixture's scan holds RST markers and stuffed bytes and ends at EOI", () => {
    const jpeg = fixture("dri-420-320x240.jpg")
    const info = Either.getOrThrow(parseJpeg(jpeg))
    const scan = jpeg.subarray(info.scans[0]!.dataStart, info.scans[0]!.dataEnd)
    expect(scan.indexOf(Buffer.from([0xff, 0xd0]))).toBeGreaterThan(0)
    expect(scan.indexOf(Buffer.from([0xff, 0x00]))).toBeGreaterThanOrEqual(0)
    expect(info.scans[0]!.dataEnd).toBe(info.eoiOffset)
  })
})

/** A JPEG with an EXIF-style APP1 segment holding a complete thumbnail JPEG (with its own SOI and EOI). */
const withThumbnail = (outer: Buffer, thumbnail: Buffer): Buffer => {
  const body = Buffer.concat([Buffer.from("Exif\0\0", "latin1"), thumbnail])
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body])
  return Buffer.concat([outer.subarray(0, 2), app1, outer.subarray(2)])
}

describe("findJpegEnd", () => {
  it("skips a thumbnail inside APP1 and splits concatenated JPEGs", () => {
    const a = withThumbnail(fixture("baseline-420.jpg"), fixture("gray.jpg"))
    const b = fixture("dri-422.jpg")
    const stream = Buffer.concat([a, b])
    expect(Either.getOrThrow(findJpegEnd(stream, 0))).toBe(a.length)
    expect(Either.getOrThrow(findJpegEnd(stream, a.length))).toBe(stream.length)
    expect(Either.getOrThrow(parseJpeg(stream, a.length)).frame.width).toBe(64)
  })

  it("walks a progressive JPEG's many scans", () => {
    const jpeg = fixture("progressive-420.jpg")
    expect(Either.getOrThrow(findJpegEnd(jpeg, 0))).toBe(jpeg.length)
  })
})

interface ErrorCase {
  readonly name: string
  readonly bytes: () => Buffer
  readonly reason: string
  readonly offset: number
}

const baseline = fixture("baseline-420.jpg")
const sofAt = baseline.indexOf(Buffer.from([0xff, 0xc0]))
const sosAt = baseline.indexOf(Buffer.from([0xff, 0xda]))

const errorCases: ReadonlyArray<ErrorCase> = [
  { name: "empty input", bytes: () => Buffer.alloc(0), reason: "NotJpeg", offset: 0 },
  { name: "PNG signature", bytes: () => Buffer.from("89504e470d0a1a0a", "hex"), reason: "NotJpeg", offset: 0 },
  { name: "SOI only", bytes: () => Buffer.from([0xff, 0xd8]), reason: "Truncated", offset: 2 },
  { name: "cut inside the SOF segment", bytes: () => baseline.subarray(0, sofAt + 6), reason: "Truncated", offset: sofAt },
  { name: "cut inside the scan data", bytes: () => baseline.subarray(0, baseline.length - 10), reason: "Truncated", offset: baseline.length - 10 },
  { name: "no EOI", bytes: () => baseline.subarray(0, baseline.length - 2), reason: "Truncated", offset: baseline.length - 2 },
  { name: "garbage where a marker belongs", bytes: () => Buffer.concat([baseline.subarray(0, 2), Buffer.from([0x00, 0x11]), baseline.subarray(2)]), reason: "BadSegment", offset: 2 },
  { name: "segment length below 2", bytes: () => Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01, 0xff, 0xd9]), reason: "BadSegment", offset: 2 },
  {
    name: "scan before frame header",
    bytes: () => Buffer.concat([baseline.subarray(0, sofAt), baseline.subarray(sosAt)]),
    reason: "NoFrameHeader",
    offset: sofAt
  },
  { name: "no scan", bytes: () => Buffer.concat([baseline.subarray(0, sosAt), Buffer.from([0xff, 0xd9])]), reason: "NoScan", offset: sosAt - 0 }
]

describe("parseJpeg errors", () => {
  it.each(errorCases)("$name", ({ bytes, reason, offset }) => {
    const result = parseJpeg(bytes())
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left.reason).toBe(reason)
      expect(result.left.message.length).toBeGreaterThan(10)
      if (reason !== "NoScan") expect(result.left.offset).toBe(offset)
    }
  })
})

describe("properties", () => {
  it("never throws on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const buf = Buffer.from(bytes)
        parseJpeg(buf)
        findJpegEnd(buf, 0)
        parseJpeg(Buffer.concat([Buffer.from([0xff, 0xd8]), buf]))
      }),
      { numRuns: 500 }
    )
  })

  it("never throws on corrupted real JPEGs", () => {
    const sources = fixtureNames.map(fixture)
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: sources.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        (which, edits, cut) => {
          const buf = Buffer.from(sources[which]!)
          for (const [at, value] of edits) buf[at % buf.length] = value
          const truncated = buf.subarray(0, buf.length - (cut % 64))
          const result = parseJpeg(truncated)
          if (Either.isRight(result)) expect(result.right.end).toBeLessThanOrEqual(truncated.length)
        }
      ),
      { numRuns: 500 }
    )
  })
})
