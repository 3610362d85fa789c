import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { analyzeMjpeg, describeSampling, fpsFromComments, type MjpegAnalysis } from "../../src/media/analyze.js"
import { formatProblem, type MediaProblem, type MediaProblemCode } from "../../src/media/problems.js"
import { CLASSIC_MAX_FRAME_BYTES, MAX_DATAGRAM_FRAME_BYTES } from "../../src/protocol/jpeg/classic.js"
import {
  buildJpegs,
  insertAt,
  labFile,
  labOffsets,
  rawOffsets,
  segmentOffset,
  withByte,
  withComment,
  withRestartInterval,
  withThumbnail
} from "./craft.js"

const J = await buildJpegs()
const { a, b, c } = J

const analyzeLab = (frames: ReadonlyArray<Buffer>, fps?: number): MjpegAnalysis =>
  analyzeMjpeg(labFile(frames), fps === undefined ? { fileName: "movie.Mjpeg" } : { fileName: "movie.Mjpeg", fps })

const brief = (p: MediaProblem) => ({ code: p.code, frameIndex: p.frameIndex, offset: p.offset, affects: p.affects })

const verdict = (analysis: MjpegAnalysis) => ({ standard: analysis.standard.servable, classic: analysis.classic.servable })

// Byte surgery on frame `a` (sharp writes SOF0 with components 1,2,3 at 2x2/1x1/1x1, tables 0/1/1).
const sof = segmentOffset(a, 0xc0)
const sos = segmentOffset(a, 0xda)
const extendedSequential = withByte(a, sof + 1, 0xc1)
const twelveBit = withByte(a, sof + 4, 12)
// Cr (third component) switched to quantisation table 0: the two chroma components differ.
const crOnLumaTable = withByte(a, sof + 10 + 2 * 3 + 2, 0)
// Cr's scan selectors switched to the luma Huffman tables (0/0).
const crOnLumaHuffman = withByte(a, sos + 5 + 2 * 2 + 1, 0x00)

describe("analyzeMjpeg: a good file", () => {
  const frames = [a, b, c]
  const file = labFile(frames)
  const analysis = analyzeMjpeg(file, { fileName: "movie.Mjpeg" })

  it("describes it", () => {
    expect(analysis.problems).toEqual([])
    expect(verdict(analysis)).toEqual({ standard: true, classic: true })
    expect(analysis.fileName).toBe("movie.Mjpeg")
    expect(analysis.container).toBe("lab")
    expect(analysis.frames.map((f) => f.offset)).toEqual(labOffsets(frames))
    expect([analysis.width, analysis.height, analysis.sampling]).toEqual([64, 48, "4:2:0"])
    expect([analysis.fps, analysis.fpsSource, analysis.durationSeconds]).toEqual([20, "default", 0.15])
    const sizes = frames.map((f) => f.length)
    expect(analysis.frameBytes).toEqual({
      min: Math.min(...sizes),
      avg: Math.round((sizes[0]! + sizes[1]! + sizes[2]!) / 3),
      max: Math.max(...sizes)
    })
  })

  it("carries one RFC 2435 frame per frame, its scan data a view into the file", () => {
    const rfc = analysis.rfc2435Frames ?? []
    expect(rfc.length).toBe(3)
    rfc.forEach((frame, i) => {
      expect([frame.type, frame.width, frame.height, frame.restartInterval]).toEqual([1, 64, 48, 0])
      expect(frame.scanData.buffer).toBe(file.buffer)
      // The scan data ends just before the frame's EOI.
      const slice = analysis.frames[i]!
      expect(frame.scanData.byteOffset - file.byteOffset + frame.scanData.length).toBe(slice.offset + slice.jpeg.length - 2)
    })
  })

  it("reads a raw file the same way", () => {
    const raw = analyzeMjpeg(Buffer.concat(frames), { fileName: "movie.mjpeg" })
    expect(raw.container).toBe("raw")
    expect(raw.problems).toEqual([])
    expect(raw.frames.map((f) => f.offset)).toEqual(rawOffsets(frames))
    expect(raw.frames.map((f) => f.jpeg.toString("hex"))).toEqual(analysis.frames.map((f) => f.jpeg.toString("hex")))
    expect(verdict(raw)).toEqual({ standard: true, classic: true })
  })

  it("keeps an EXIF thumbnail inside its frame", () => {
    const exif = analyzeLab([withThumbnail(a, J.small), b])
    expect(exif.problems).toEqual([])
    expect(exif.frames.length).toBe(2)
    expect([exif.width, exif.height]).toEqual([64, 48])
  })

  it("makes a frame with a restart interval RFC 2435 type 65", () => {
    const dri = analyzeLab([withRestartInterval(a, 2), withRestartInterval(b, 2)])
    expect(dri.problems).toEqual([])
    expect(dri.rfc2435Frames?.map((f) => [f.type, f.restartInterval])).toEqual([[65, 2], [65, 2]])
  })
})

describe("analyzeMjpeg: RFC 2435 problems (standard dialect only)", () => {
  // Two copies of the frame: both are reported, each at its own offset.
  const cases: ReadonlyArray<{ readonly name: string; readonly frame: Buffer; readonly codes: ReadonlyArray<MediaProblemCode>; readonly says: string }> = [
    { name: "progressive", frame: J.progressive, codes: ["NotBaseline", "Scan"], says: "progressive JPEG; only baseline (SOF0) can be sent" },
    { name: "extended sequential (SOF1)", frame: extendedSequential, codes: ["NotBaseline"], says: "extended sequential" },
    { name: "12-bit samples", frame: twelveBit, codes: ["Precision"], says: "12-bit" },
    { name: "grayscale", frame: J.gray, codes: ["ComponentCount"], says: "grayscale" },
    { name: "4:4:4 sampling", frame: J.yuv444, codes: ["Sampling"], says: "1x1,1x1,1x1" },
    { name: "60x44: not multiples of 8", frame: J.oddSize, codes: ["Dimensions"], says: "60x44" },
    { name: "2048 wide: over 2040", frame: J.wide, codes: ["Dimensions"], says: "2048x16" },
    { name: "optimised Huffman tables", frame: J.optimised, codes: ["HuffmanTables"], says: "optimised" },
    { name: "chroma on two quantisation tables", frame: crOnLumaTable, codes: ["QuantTables"], says: "different quantisation tables" },
    { name: "scan on unexpected Huffman tables", frame: crOnLumaHuffman, codes: ["Scan"], says: "3:0/0" }
  ]

  it.each(cases)("$name", ({ frame, codes, says }) => {
    const frames = [frame, frame]
    const analysis = analyzeLab(frames)
    const offsets = labOffsets(frames)
    const expected = [0, 1].flatMap((frameIndex) => {
      const forFrame = analysis.problems.filter((p) => p.frameIndex === frameIndex)
      expect([...new Set(forFrame.map((p) => p.code))]).toEqual(codes)
      return forFrame.map(() => ({ frameIndex, offset: offsets[frameIndex]!, affects: "standard" }))
    })
    expect(analysis.problems.map((p) => ({ frameIndex: p.frameIndex, offset: p.offset, affects: p.affects }))).toEqual(expected)
    expect(analysis.problems.some((p) => p.message.includes(says))).toBe(true)
    expect(verdict(analysis)).toEqual({ standard: false, classic: true })
    expect(analysis.rfc2435Frames).toBeUndefined()
  })

  it("reports only the bad frame among good ones", () => {
    const frames = [a, J.progressive, b]
    const analysis = analyzeLab(frames)
    expect(analysis.problems.map(brief)).toEqual([
      { code: "NotBaseline", frameIndex: 1, offset: labOffsets(frames)[1], affects: "standard" },
      { code: "Scan", frameIndex: 1, offset: labOffsets(frames)[1], affects: "standard" }
    ])
  })

  it("formats as file, frame, byte offset and reason", () => {
    const frames = [a, J.progressive]
    const analysis = analyzeLab(frames)
    expect(formatProblem(analysis.fileName, analysis.problems[0]!)).toBe(
      `movie.Mjpeg: frame 1 at byte ${labOffsets(frames)[1]}: progressive JPEG; only baseline (SOF0) can be sent`
    )
  })

  it("describes the sampling of the first frame", () => {
    expect(analyzeLab([J.yuv444]).sampling).toBe("4:4:4")
    expect(analyzeLab([J.gray]).sampling).toBe("gray")
    expect(describeSampling({ marker: 0xc0, precision: 8, width: 8, height: 8, components: [
      { id: 1, horizontalSampling: 2, verticalSampling: 1, quantTableId: 0 },
      { id: 2, horizontalSampling: 1, verticalSampling: 1, quantTableId: 1 },
      { id: 3, horizontalSampling: 1, verticalSampling: 1, quantTableId: 1 }
    ] })).toBe("4:2:2")
    expect(describeSampling({ marker: 0xc0, precision: 8, width: 8, height: 8, components: [
      { id: 1, horizontalSampling: 1, verticalSampling: 2, quantTableId: 0 },
      { id: 2, horizontalSampling: 1, verticalSampling: 1, quantTableId: 1 },
      { id: 3, horizontalSampling: 1, verticalSampling: 1, quantTableId: 1 }
    ] })).toBe("1x2,1x1,1x1")
  })
})

describe("analyzeMjpeg: frame sizes (classic dialect only)", () => {
  it("crafted frames have the sizes the cases need", () => {
    expect(J.classicTooLarge.length).toBeGreaterThan(CLASSIC_MAX_FRAME_BYTES)
    expect(J.classicTooLarge.length).toBeLessThanOrEqual(MAX_DATAGRAM_FRAME_BYTES)
    expect(J.datagramTooLarge.length).toBeGreaterThan(MAX_DATAGRAM_FRAME_BYTES)
    expect(J.datagramTooLarge.length).toBeLessThanOrEqual(99_999)
  })

  const cases: ReadonlyArray<{ readonly name: string; readonly frame: () => Buffer; readonly code: MediaProblemCode; readonly says: string }> = [
    { name: "TooLargeForClassic", frame: () => J.classicTooLarge, code: "TooLargeForClassic", says: `at most ${CLASSIC_MAX_FRAME_BYTES}` },
    { name: "TooLargeForDatagram", frame: () => J.datagramTooLarge, code: "TooLargeForDatagram", says: `at most ${MAX_DATAGRAM_FRAME_BYTES}` }
  ]
  it.each(cases)("$name", ({ frame, code, says }) => {
    const frames = [frame(), frame()]
    for (const analysis of [analyzeLab(frames), analyzeMjpeg(Buffer.concat(frames), { fileName: "big.mjpeg" })]) {
      const offsets = analysis.container === "lab" ? labOffsets(frames) : rawOffsets(frames)
      expect(analysis.problems.map(brief)).toEqual([
        { code, frameIndex: 0, offset: offsets[0], affects: "classic" },
        { code, frameIndex: 1, offset: offsets[1], affects: "classic" }
      ])
      expect(analysis.problems[0]!.message).toContain(`${frames[0]!.length} bytes`)
      expect(analysis.problems[0]!.message).toContain(says)
      expect(verdict(analysis)).toEqual({ standard: true, classic: false })
      expect(analysis.rfc2435Frames?.length).toBe(2)
    }
  })
})

describe("analyzeMjpeg: structural problems (neither dialect)", () => {
  const noSof = (() => {
    // Drop the SOF segment: the scan then comes before any frame header.
    const at = segmentOffset(a, 0xc0)
    return Buffer.concat([a.subarray(0, at), a.subarray(at + 2 + a.readUInt16BE(at + 2))])
  })()
  const strayByte = insertAt(b, segmentOffset(b, 0xc0), Buffer.from([0x42]))
  const noEoi = b.subarray(0, b.length - 2)

  const cases: ReadonlyArray<{
    readonly name: string
    readonly file: () => Buffer
    readonly problems: () => ReadonlyArray<ReturnType<typeof brief>>
    readonly frames: number
  }> = [
    {
      name: "Empty: an empty file",
      file: () => Buffer.alloc(0),
      problems: () => [{ code: "Empty", frameIndex: undefined, offset: 0, affects: "both" }],
      frames: 0
    },
    {
      name: "BadLengthPrefix",
      file: () => Buffer.concat([labFile([a]), Buffer.from("-1234"), b]),
      problems: () => [{ code: "BadLengthPrefix", frameIndex: 1, offset: 5 + a.length, affects: "both" }],
      frames: 1
    },
    {
      name: "PartialLengthPrefix",
      file: () => Buffer.concat([labFile([a]), Buffer.from("0")]),
      problems: () => [{ code: "PartialLengthPrefix", frameIndex: 1, offset: 5 + a.length, affects: "both" }],
      frames: 1
    },
    {
      name: "TruncatedFrame: lab length past end of file",
      file: () => labFile([a, b]).subarray(0, 10 + a.length + 50),
      problems: () => [{ code: "TruncatedFrame", frameIndex: 1, offset: 10 + a.length, affects: "both" }],
      frames: 1
    },
    {
      name: "TruncatedFrame: lab frame whose JPEG has no EOI",
      file: () => labFile([a, noEoi, c]),
      problems: () => [{ code: "TruncatedFrame", frameIndex: 1, offset: labOffsets([a, noEoi, c])[1]!, affects: "both" }],
      frames: 3
    },
    {
      name: "TruncatedFrame: raw last frame",
      file: () => Buffer.concat([a, noEoi]),
      problems: () => [{ code: "TruncatedFrame", frameIndex: 1, offset: a.length, affects: "both" }],
      frames: 1
    },
    {
      name: "NotJpeg: a lab frame that is no JPEG",
      file: () => labFile([a, Buffer.from("hello"), c]),
      problems: () => [{ code: "NotJpeg", frameIndex: 1, offset: 10 + a.length, affects: "both" }],
      frames: 3
    },
    {
      name: "NotJpeg: bytes between raw frames",
      file: () => Buffer.concat([a, Buffer.from("\r\n"), c]),
      problems: () => [{ code: "NotJpeg", frameIndex: undefined, offset: a.length, affects: "both" }],
      frames: 2
    },
    {
      name: "NotJpeg and Empty: neither container",
      file: () => Buffer.from("hello world"),
      problems: () => [
        { code: "NotJpeg", frameIndex: undefined, offset: 0, affects: "both" },
        { code: "Empty", frameIndex: undefined, offset: 0, affects: "both" }
      ],
      frames: 0
    },
    {
      name: "BadJpeg: a lab frame with a stray byte, at the exact byte",
      file: () => labFile([a, strayByte]),
      problems: () => [{ code: "BadJpeg", frameIndex: 1, offset: 10 + a.length + segmentOffset(b, 0xc0), affects: "both" }],
      frames: 2
    },
    {
      name: "BadJpeg: a raw frame with a stray byte",
      file: () => Buffer.concat([a, strayByte, c]),
      problems: () => [{ code: "BadJpeg", frameIndex: 1, offset: a.length + segmentOffset(b, 0xc0), affects: "both" }],
      frames: 2
    },
    {
      name: "BadJpeg: a scan before any frame header, at the SOS",
      file: () => labFile([a, noSof]),
      problems: () => [{ code: "BadJpeg", frameIndex: 1, offset: 10 + a.length + segmentOffset(noSof, 0xda), affects: "both" }],
      frames: 2
    },
    {
      name: "InconsistentDimensions: each frame that differs from frame 0",
      file: () => labFile([a, J.small, b, J.small]),
      problems: () => [1, 3].map((i) => ({ code: "InconsistentDimensions" as const, frameIndex: i, offset: labOffsets([a, J.small, b, J.small])[i]!, affects: "both" as const })),
      frames: 4
    }
  ]

  it.each(cases)("$name", ({ file, problems, frames }) => {
    const analysis = analyzeMjpeg(file(), { fileName: "movie.Mjpeg" })
    expect(analysis.problems.map(brief)).toEqual(problems())
    expect(analysis.frames.length).toBe(frames)
    expect(verdict(analysis)).toEqual({ standard: false, classic: false })
    expect(analysis.rfc2435Frames).toBeUndefined()
  })

  it("byte offsets in BadJpeg messages are file offsets too", () => {
    const analysis = analyzeLab([a, strayByte])
    const offset = 10 + a.length + segmentOffset(b, 0xc0)
    expect(analysis.problems[0]!.message).toContain(`byte ${offset}`)
  })

  it("names the reference frame in InconsistentDimensions", () => {
    const analysis = analyzeLab([a, J.small])
    expect(analysis.problems[0]!.message).toBe("32x24, but frame 0 is 64x48; every frame must have the same size")
  })

  it("reads a lab file whose first prefix is bad as lab when told so", () => {
    const analysis = analyzeMjpeg(Buffer.from("abcde"), { fileName: "x.Mjpeg", container: "lab" })
    expect(analysis.problems.map((p) => p.code)).toEqual(["BadLengthPrefix", "Empty"])
  })

  it("reports every problem of every frame, in file order", () => {
    const frames = [a, J.progressive, J.small, Buffer.from("junk"), J.classicTooLarge, noEoi]
    const offsets = labOffsets(frames)
    const analysis = analyzeLab(frames)
    expect(analysis.problems.map((p) => [p.code, p.frameIndex, p.offset])).toEqual([
      ["NotBaseline", 1, offsets[1]],
      ["Scan", 1, offsets[1]],
      ["InconsistentDimensions", 2, offsets[2]],
      ["NotJpeg", 3, offsets[3]],
      ["InconsistentDimensions", 4, offsets[4]],
      ["TooLargeForClassic", 4, offsets[4]],
      ["TruncatedFrame", 5, offsets[5]]
    ])
  })
})

describe("analyzeMjpeg: fps", () => {
  const cases: ReadonlyArray<{ readonly name: string; readonly first: Buffer; readonly option?: number; readonly fps: number; readonly source: string }> = [
    { name: "default", first: a, fps: 20, source: "default" },
    { name: "from the COM segment", first: withComment(a, "effect-rtsp:fps=25"), fps: 25, source: "comment" },
    { name: "fractional COM", first: withComment(a, "effect-rtsp:fps=29.97\0"), fps: 29.97, source: "comment" },
    { name: "other comments ignored", first: withComment(withComment(a, "effect-rtsp:fps=12"), "made by x"), fps: 12, source: "comment" },
    { name: "a malformed COM is ignored", first: withComment(a, "effect-rtsp:fps=fast"), fps: 20, source: "default" },
    { name: "a zero COM is ignored", first: withComment(a, "effect-rtsp:fps=0"), fps: 20, source: "default" },
    { name: "the option wins over the COM", first: withComment(a, "effect-rtsp:fps=25"), option: 10, fps: 10, source: "option" },
    { name: "an unusable option falls back", first: withComment(a, "effect-rtsp:fps=25"), option: 0, fps: 25, source: "comment" }
  ]
  it.each(cases)("$name", ({ first, option, fps, source }) => {
    const analysis = analyzeLab([first, b, c, a], option)
    expect(analysis.problems).toEqual([])
    expect([analysis.fps, analysis.fpsSource]).toEqual([fps, source])
    expect(analysis.durationSeconds).toBeCloseTo(4 / fps, 10)
  })

  it("fpsFromComments reads the first usable one", () => {
    expect(fpsFromComments(["x", "effect-rtsp:fps=15", "effect-rtsp:fps=30"])).toBe(15)
    expect(fpsFromComments([])).toBeUndefined()
  })
})

describe("analyzeMjpeg on arbitrary input (property)", () => {
  const check = (file: Buffer): void => {
    const analysis = analyzeMjpeg(file, { fileName: "f" })
    for (const problem of analysis.problems) {
      expect(problem.offset).toBeGreaterThanOrEqual(0)
      expect(problem.offset).toBeLessThanOrEqual(file.length)
    }
    // Servable means no problem stands in the way, and there is something to send.
    for (const dialect of ["standard", "classic"] as const) {
      const blocking = analysis.problems.filter((p) => p.affects === "both" || p.affects === dialect)
      expect(analysis[dialect].servable).toBe(blocking.length === 0 && analysis.frames.length > 0)
    }
    expect(analysis.rfc2435Frames === undefined).toBe(!analysis.standard.servable)
    if (analysis.frames.length === 0) expect(analysis.problems.some((p) => p.code === "Empty")).toBe(true)
  }

  it("never throws on random bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (u) => check(Buffer.from(u))), { numRuns: 300 })
  })

  it("never throws on damaged real files", () => {
    const damaged = fc
      .tuple(
        fc.array(fc.constantFrom(a, b, J.small, J.gray, J.progressive), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat()
      )
      .map(([frames, lab, edits, cut]) => {
        const file = Buffer.from(lab ? labFile(frames) : Buffer.concat(frames))
        for (const [at, value] of edits) file[at % file.length] = value
        return file.subarray(0, file.length - (cut % 8 === 0 ? cut % 50 : 0))
      })
    fc.assert(fc.property(damaged, check), { numRuns: 300 })
  })
})
