import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { detectContainer, encodeLabMjpeg, type MjpegContainer, splitMjpeg } from "../../src/media/container.js"
import type { MediaProblem } from "../../src/media/problems.js"
import { buildJpegs, insertAt, labFile, labOffsets, rawOffsets, segmentOffset, withThumbnail } from "./craft.js"

const J = await buildJpegs()
const { a, b, c } = J

/** The fields a test pins down (the message is checked separately where it matters). */
const brief = (p: MediaProblem) => ({ code: p.code, frameIndex: p.frameIndex, offset: p.offset, affects: p.affects })

describe("detectContainer", () => {
  const cases: ReadonlyArray<{ readonly name: string; readonly bytes: Buffer; readonly expected: MjpegContainer | undefined }> = [
    { name: "raw JPEG", bytes: a, expected: "raw" },
    { name: "lab file", bytes: labFile([a]), expected: "lab" },
    { name: "5 digits only", bytes: Buffer.from("00000"), expected: "lab" },
    { name: "4 digits", bytes: Buffer.from("1234"), expected: undefined },
    { name: "digits then a letter", bytes: Buffer.from("1234x5"), expected: undefined },
    { name: "empty", bytes: Buffer.alloc(0), expected: undefined },
    { name: "FF alone", bytes: Buffer.from([0xff]), expected: undefined },
    { name: "EOI first", bytes: Buffer.from([0xff, 0xd9]), expected: undefined },
    { name: "text", bytes: Buffer.from("hello world"), expected: undefined }
  ]
  it.each(cases)("$name", ({ bytes, expected }) => {
    expect(detectContainer(bytes)).toBe(expected)
  })
})

describe("splitMjpeg: good files", () => {
  const frames = [a, b, c]

  it("splits a lab file into views at the right offsets", () => {
    const file = labFile(frames)
    const split = splitMjpeg(file, "lab")
    expect(split.problems).toEqual([])
    expect(split.frames.map((f) => [f.index, f.offset])).toEqual([[0, 5], [1, 10 + a.length], [2, 15 + a.length + b.length]])
    expect(split.frames.map((f) => f.offset)).toEqual(labOffsets(frames))
    split.frames.forEach((f, i) => {
      expect(f.jpeg.equals(frames[i]!)).toBe(true)
      // A view into the file's memory, not a copy.
      expect(f.jpeg.buffer).toBe(file.buffer)
      expect(f.jpeg.byteOffset).toBe(file.byteOffset + f.offset)
    })
  })

  it("splits a raw file into views at the right offsets", () => {
    const file = Buffer.concat(frames)
    const split = splitMjpeg(file, "raw")
    expect(split.problems).toEqual([])
    expect(split.frames.map((f) => f.offset)).toEqual(rawOffsets(frames))
    expect(split.frames.map((f) => f.index)).toEqual([0, 1, 2])
    split.frames.forEach((f, i) => {
      expect(f.jpeg.equals(frames[i]!)).toBe(true)
      expect(f.jpeg.buffer).toBe(file.buffer)
    })
  })

  it("gives the same frames from the raw and the lab container", () => {
    const all = [a, J.progressive, J.gray, J.classicTooLarge, b]
    const fromLab = splitMjpeg(labFile(all), "lab").frames.map((f) => f.jpeg)
    const fromRaw = splitMjpeg(Buffer.concat(all), "raw").frames.map((f) => f.jpeg)
    expect(fromLab.length).toBe(all.length)
    expect(fromRaw.map((f) => f.toString("hex"))).toEqual(fromLab.map((f) => f.toString("hex")))
  })

  it("does not split a raw stream at an EXIF thumbnail inside APP1", () => {
    const withExif = withThumbnail(a, J.small)
    // The thumbnail's own SOI and EOI are in there.
    expect(withExif.indexOf(Buffer.from([0xff, 0xd8]), 2)).toBeGreaterThan(0)
    const frames = [withExif, b, withExif]
    const split = splitMjpeg(Buffer.concat(frames), "raw")
    expect(split.problems).toEqual([])
    expect(split.frames.map((f) => f.offset)).toEqual(rawOffsets(frames))
    expect(split.frames[0]!.jpeg.equals(withExif)).toBe(true)
  })

  it("does not take byte-stuffed FF 00 in scan data for a marker", () => {
    const noisy = J.datagramTooLarge
    const scanStart = segmentOffset(noisy, 0xda)
    expect(noisy.indexOf(Buffer.from([0xff, 0x00]), scanStart)).toBeGreaterThan(scanStart)
    const frames = [noisy, a, J.classicTooLarge]
    const split = splitMjpeg(Buffer.concat(frames), "raw")
    expect(split.problems).toEqual([])
    expect(split.frames.map((f) => f.jpeg.length)).toEqual(frames.map((f) => f.length))
  })

  it("splits an empty file into nothing, without problems (analysis adds Empty)", () => {
    expect(splitMjpeg(Buffer.alloc(0), "lab")).toEqual({ frames: [], problems: [] })
    expect(splitMjpeg(Buffer.alloc(0), "raw")).toEqual({ frames: [], problems: [] })
  })
})

describe("splitMjpeg: lab container problems", () => {
  const two = labFile([a, b])
  const cases: ReadonlyArray<{
    readonly name: string
    readonly file: Buffer
    readonly frames: number
    readonly problem: ReturnType<typeof brief>
    readonly says: string
  }> = [
    {
      name: "BadLengthPrefix stops, keeping the frames before",
      file: Buffer.concat([labFile([a]), Buffer.from("12x45"), b, labFile([c])]),
      frames: 1,
      problem: { code: "BadLengthPrefix", frameIndex: 1, offset: 5 + a.length, affects: "both" },
      says: `"12x45"`
    },
    {
      name: "BadLengthPrefix on the first frame (a raw JPEG read as lab)",
      file: a,
      frames: 0,
      problem: { code: "BadLengthPrefix", frameIndex: 0, offset: 0, affects: "both" },
      says: `"\\xff\\xd8`
    },
    {
      name: "PartialLengthPrefix at end of file",
      file: Buffer.concat([two, Buffer.from("012")]),
      frames: 2,
      problem: { code: "PartialLengthPrefix", frameIndex: 2, offset: two.length, affects: "both" },
      says: "3 bytes"
    },
    {
      name: "TruncatedFrame: the length runs past end of file",
      file: Buffer.concat([labFile([a]), labFile([b]).subarray(0, 5 + 100)]),
      frames: 1,
      problem: { code: "TruncatedFrame", frameIndex: 1, offset: 5 + a.length + 5, affects: "both" },
      says: `declares ${b.length} bytes`
    },
    {
      name: "TruncatedFrame: a length prefix with nothing after it",
      file: Buffer.concat([labFile([a]), Buffer.from("00100")]),
      frames: 1,
      problem: { code: "TruncatedFrame", frameIndex: 1, offset: 5 + a.length + 5, affects: "both" },
      says: "declares 100 bytes"
    }
  ]
  it.each(cases)("$name", ({ file, frames, problem, says }) => {
    const split = splitMjpeg(file, "lab")
    expect(split.frames.length).toBe(frames)
    expect(split.problems.map(brief)).toEqual([problem])
    expect(split.problems[0]!.message).toContain(says)
  })
})

describe("splitMjpeg: raw container problems", () => {
  const cutB = b.subarray(0, b.length - 30)
  // A stray byte where the SOF marker should start: the segment walk fails there.
  const sofInB = segmentOffset(b, 0xc0)
  const brokenB = insertAt(b, sofInB, Buffer.from([0x42]))
  const garbage = Buffer.from("not a jpeg")
  /** Where the segment of `jpeg` that spans byte `at` ends by its length field. */
  const segmentEndAcross = (jpeg: Buffer, at: number): number => {
    let end = 2
    while (end <= at) end += 2 + jpeg.readUInt16BE(end + 2)
    return end
  }

  const cases: ReadonlyArray<{
    readonly name: string
    readonly parts: ReadonlyArray<Buffer>
    /** [index, offset] of each delimited frame. */
    readonly frames: ReadonlyArray<readonly [number, number]>
    readonly problems: ReadonlyArray<ReturnType<typeof brief>>
  }> = [
    {
      name: "NotJpeg: bytes between frames",
      parts: [a, garbage, b],
      frames: [[0, 0], [1, a.length + garbage.length]],
      problems: [{ code: "NotJpeg", frameIndex: undefined, offset: a.length, affects: "both" }]
    },
    {
      name: "NotJpeg: bytes before the first frame and after the last",
      parts: [garbage, a, Buffer.from([0, 0, 0xff])],
      frames: [[0, garbage.length]],
      problems: [
        { code: "NotJpeg", frameIndex: undefined, offset: 0, affects: "both" },
        { code: "NotJpeg", frameIndex: undefined, offset: garbage.length + a.length, affects: "both" }
      ]
    },
    {
      name: "TruncatedFrame: the last frame has no EOI",
      parts: [a, cutB],
      frames: [[0, 0]],
      problems: [{ code: "TruncatedFrame", frameIndex: 1, offset: a.length, affects: "both" }]
    },
    {
      name: "TruncatedFrame: a frame cut short by the next SOI",
      parts: [a, cutB, c],
      frames: [[0, 0], [2, a.length + cutB.length]],
      problems: [{ code: "TruncatedFrame", frameIndex: 1, offset: a.length, affects: "both" }]
    },
    {
      name: "BadJpeg: a broken segment walk, resynchronised on the next SOI",
      parts: [a, brokenB, c],
      frames: [[0, 0], [2, a.length + brokenB.length]],
      problems: [{ code: "BadJpeg", frameIndex: 1, offset: a.length + sofInB, affects: "both" }]
    },
    {
      name: "several bad frames are each reported",
      parts: [a, cutB, b, garbage, brokenB, c, cutB],
      frames: [
        [0, 0],
        [2, a.length + cutB.length],
        [4, a.length + cutB.length + b.length + garbage.length + brokenB.length]
      ],
      problems: [
        { code: "TruncatedFrame", frameIndex: 1, offset: a.length, affects: "both" },
        { code: "NotJpeg", frameIndex: undefined, offset: a.length + cutB.length + b.length, affects: "both" },
        { code: "BadJpeg", frameIndex: 3, offset: a.length + cutB.length + b.length + garbage.length + sofInB, affects: "both" },
        { code: "TruncatedFrame", frameIndex: 5, offset: a.length + cutB.length + b.length + garbage.length + brokenB.length + c.length, affects: "both" }
      ]
    },
    {
      // The cut lands inside a table segment, whose length then swallows the next frame's start.
      name: "a frame cut inside its headers does not swallow the next frame",
      parts: [a, b.subarray(0, 300), c, b],
      frames: [[0, 0], [2, a.length + 300], [3, a.length + 300 + c.length]],
      // The walk fails where the swallowing segment says it ends, inside c.
      problems: [{ code: "BadJpeg", frameIndex: 1, offset: a.length + segmentEndAcross(b, 300), affects: "both" }]
    },
    {
      // Scan data runs to the next marker, so the bytes after a cut frame count as part of it.
      name: "bytes after a cut frame belong to that frame",
      parts: [a, cutB, garbage, c],
      frames: [[0, 0], [2, a.length + cutB.length + garbage.length]],
      problems: [{ code: "TruncatedFrame", frameIndex: 1, offset: a.length, affects: "both" }]
    }
  ]
  it.each(cases)("$name", ({ parts, frames, problems }) => {
    const file = Buffer.concat(parts)
    const split = splitMjpeg(file, "raw")
    expect(split.frames.map((f) => [f.index, f.offset])).toEqual(frames)
    expect(split.problems.map(brief)).toEqual(problems)
  })

  it("says where a cut frame ends", () => {
    const split = splitMjpeg(Buffer.concat([a, cutB, c]), "raw")
    expect(split.problems[0]!.message).toContain(`byte ${a.length + cutB.length}`)
  })
})

describe("encodeLabMjpeg", () => {
  const cases: ReadonlyArray<{ readonly name: string; readonly frames: ReadonlyArray<Buffer>; readonly hex: string }> = [
    { name: "no frames", frames: [], hex: "" },
    { name: "one empty frame", frames: [Buffer.alloc(0)], hex: Buffer.from("00000").toString("hex") },
    { name: "two frames", frames: [Buffer.from([0xff, 0xd8, 0xff, 0xd9]), Buffer.from([1, 2, 3])], hex: `${Buffer.from("00004").toString("hex")}ffd8ffd9${Buffer.from("00003").toString("hex")}010203` }
  ]
  it.each(cases)("encodes and splits back: $name", ({ frames, hex }) => {
    const encoded = Either.getOrThrow(encodeLabMjpeg(frames))
    expect(encoded.toString("hex")).toBe(hex)
    const split = splitMjpeg(encoded, "lab")
    expect(split.problems).toEqual([])
    expect(split.frames.map((f) => f.jpeg.toString("hex"))).toEqual(frames.map((f) => f.toString("hex")))
  })

  it("writes a real frame's length zero-padded to 5 digits", () => {
    const encoded = Either.getOrThrow(encodeLabMjpeg([a]))
    expect(encoded.subarray(0, 5).toString()).toBe(String(a.length).padStart(5, "0"))
    expect(encoded.equals(labFile([a]))).toBe(true)
  })

  it("takes a frame of exactly 99,999 bytes", () => {
    const encoded = Either.getOrThrow(encodeLabMjpeg([Buffer.alloc(99_999)]))
    expect(encoded.subarray(0, 5).toString()).toBe("99999")
    expect(encoded.length).toBe(100_004)
  })

  it("refuses a frame over 99,999 bytes: FrameTooLargeForLabFormat", () => {
    const result = encodeLabMjpeg([a, Buffer.alloc(100_000), b])
    expect(Either.isLeft(result)).toBe(true)
    const problem = Either.flip(result).pipe(Either.getOrThrow)
    expect(brief(problem)).toEqual({ code: "FrameTooLargeForLabFormat", frameIndex: 1, offset: 5 + a.length + 5, affects: "both" })
    expect(problem.message).toContain("100000 bytes")
  })

  it("round-trips any frames through splitMjpeg (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), (arrays) => {
        const frames = arrays.map((u) => Buffer.from(u))
        const encoded = Either.getOrThrow(encodeLabMjpeg(frames))
        const split = splitMjpeg(encoded, "lab")
        expect(split.problems).toEqual([])
        expect(split.frames.map((f) => f.jpeg.toString("hex"))).toEqual(frames.map((f) => f.toString("hex")))
      }),
      { numRuns: 300 }
    )
  })
})

describe("splitMjpeg on arbitrary bytes (property)", () => {
  /** Whatever the input: no throw, frames are in-bounds views in file order, problems inside the file. */
  const checkSplit = (file: Buffer, container: MjpegContainer): void => {
    const split = splitMjpeg(file, container)
    let previousEnd = 0
    let previousIndex = -1
    for (const frame of split.frames) {
      expect(frame.offset).toBeGreaterThanOrEqual(previousEnd)
      expect(frame.index).toBeGreaterThan(previousIndex)
      expect(frame.offset + frame.jpeg.length).toBeLessThanOrEqual(file.length)
      expect(frame.jpeg.byteOffset).toBe(file.byteOffset + frame.offset)
      previousEnd = frame.offset + frame.jpeg.length
      previousIndex = frame.index
    }
    for (const problem of split.problems) {
      expect(problem.offset).toBeGreaterThanOrEqual(0)
      expect(problem.offset).toBeLessThanOrEqual(file.length)
    }
  }

  const bytes = fc.uint8Array({ maxLength: 400 }).map((u) => Buffer.from(u))
  // Real frames, then cut, spliced and overwritten: reaches the deeper paths of the splitter.
  const mutated = fc
    .tuple(
      fc.array(fc.constantFrom(a, b, J.small, J.progressive), { minLength: 1, maxLength: 3 }),
      fc.boolean(),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.nat()
    )
    .map(([frames, lab, edits, cut]) => {
      const file = Buffer.from(lab ? labFile(frames) : Buffer.concat(frames))
      for (const [at, value] of edits) file[at % file.length] = value
      return file.subarray(0, file.length - (cut % 40))
    })

  it("lab and raw never throw on random bytes", () => {
    fc.assert(
      fc.property(bytes, (file) => {
        checkSplit(file, "lab")
        checkSplit(file, "raw")
      }),
      { numRuns: 300 }
    )
  })

  it("lab and raw never throw on damaged real files", () => {
    fc.assert(
      fc.property(mutated, (file) => {
        checkSplit(file, "lab")
        checkSplit(file, "raw")
      }),
      { numRuns: 300 }
    )
  })
})
