import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { analyzeMjpeg, type MjpegAnalysis } from "../../src/media/analyze.js"
import { CLASSIC_MAX_FRAME_BYTES } from "../../src/protocol/jpeg/classic.js"
import { readFrameNumber } from "../../src/video/frameCode.js"
import type { InfoJson } from "../../src/video/info.js"
import { decode, ffmpegSkip, noise, run, tempDir, writePng } from "../video/helpers.js"
import { cli } from "./runCli.js"


const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/jpeg/${name}`, import.meta.url))

/** What a directory holds: checks that no stray (partial) output is left behind. */
const readdir = (dir: string): ReadonlyArray<string> => readdirSync(dir).sort()

const analyze = (path: string): MjpegAnalysis => analyzeMjpeg(readFileSync(path), { fileName: path })

/** An RGBA picture of one grey level, fully opaque. */
const opaque = (width: number, height: number, level: number): Buffer => {
  const data = Buffer.alloc(width * height * 4, level)
  for (let i = 3; i < data.length; i += 4) data[i] = 255
  return data
}

/** Mean of all samples of a decoded frame. */
const meanLevel = (data: Buffer): number => data.reduce((sum, v) => sum + v, 0) / data.length

describe("effect-rtsp video create", () => {
  it.scopedLive("writes a small lab video that both dialects can serve, each frame carrying its number", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const out = join(dir, "small.Mjpeg")
      const result = yield* cli("video", "create", out, "--frames", "10", "--size", "128x96")
      expect(result.code).toBe(0)
      expect(result.stdout).toContain(`wrote ${out}: 10 frames, 128x96 4:2:0, 20 fps (0.50 s), lab .Mjpeg`)

      const analysis = analyze(out)
      expect(analysis.container).toBe("lab")
      expect(analysis.frames).toHaveLength(10)
      expect([analysis.width, analysis.height, analysis.sampling]).toEqual([128, 96, "4:2:0"])
      expect([analysis.fps, analysis.fpsSource]).toEqual([20, "comment"])
      expect(analysis.problems).toEqual([])
      expect(analysis.standard.servable).toBe(true)
      expect(analysis.classic.servable).toBe(true)
      for (const [i, frame] of analysis.frames.entries()) {
        const pixels = yield* decode(frame.jpeg)
        expect(readFrameNumber(pixels.data, pixels.width, pixels.height, pixels.channels)).toBe(i)
      }
    }))

  it.scopedLive("writes raw MJPEG for .mjpeg, with the frame rate asked for", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const out = join(dir, "small.mjpeg")
      const result = yield* cli("video", "create", out, "--frames", "4", "--size", "192x144", "--fps", "25", "--quality", "60")
      expect(result.code).toBe(0)
      const analysis = analyze(out)
      expect(analysis.container).toBe("raw")
      expect(analysis.frames).toHaveLength(4)
      expect([analysis.width, analysis.height, analysis.fps]).toEqual([192, 144, 25])
      expect(analysis.standard.servable && analysis.classic.servable).toBe(true)
    }))

  it.scopedLive("keeps every frame of the default 384x288 video under 20 KB", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const out = join(dir, "default.Mjpeg")
      const result = yield* cli("video", "create", out)
      expect(result.code).toBe(0)
      const analysis = analyze(out)
      expect(analysis.frames).toHaveLength(200)
      expect([analysis.width, analysis.height, analysis.fps]).toEqual([384, 288, 20])
      expect(analysis.frameBytes.max).toBeLessThanOrEqual(20_000)
      expect(analysis.standard.servable && analysis.classic.servable).toBe(true)
    }))

  it.scopedLive.each([
    { args: ["--size", "100x100"], message: "must be multiples of 8" },
    { args: ["--size", "2048x96"], message: "at most 2040" },
    { args: ["--size", "huge"], message: "expected WIDTHxHEIGHT" },
    { args: ["--size", "64x48"], message: "too small for the frame-number strip" },
    { args: ["--frames", "0"], message: "--frames 0" },
    { args: ["--quality", "0"], message: "--quality 0" },
    { args: ["--fps", "0"], message: "--fps 0" }
  ])("refuses $args with one clear line and exit status 1", ({ args, message }) =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const result = yield* cli("video", "create", join(dir, "x.Mjpeg"), ...args)
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(message)
      expect(result.stderr.split("\n")).toHaveLength(1)
      expect(result.stderr).not.toMatch(/\n\s+at /)
      expect(readdir(dir)).toEqual([])
    }))

  it.scopedLive("refuses an output name that names no MJPEG format", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const result = yield* cli("video", "create", join(dir, "x.avi"), "--frames", "2")
      expect(result.code).toBe(1)
      expect(result.stderr).toContain("name it *.Mjpeg")
      expect(readdir(dir)).toEqual([])
    }))
})

describe("effect-rtsp video convert", () => {
  it.scopedLive("converts a folder of images in name order, whatever their format, to a servable size", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const images = join(dir, "images")
      yield* Effect.sync(() => run("mkdir", [images]))
      // frame1 .. frame12 (numbers not zero-padded): level 20*i, so order is visible in the pixels.
      for (let i = 1; i <= 12; i++) {
        const level = 20 * i
        if (i === 3) yield* writePng(join(images, `frame${i}.png`), Buffer.alloc(130 * 100, level), 130, 100, 1)
        else if (i === 4) yield* writePng(join(images, `frame${i}.png`), opaque(130, 100, level), 130, 100, 4)
        else yield* writePng(join(images, `frame${i}.png`), Buffer.alloc(130 * 100 * 3, level), 130, 100, 3)
      }
      writeFileSync(join(images, "notes.txt"), "not an image")
      const out = join(dir, "images.Mjpeg")
      const result = yield* cli("video", "convert", images, out, "--fps", "12")
      expect(result.code).toBe(0)
      expect(result.stderr).toContain("ignoring 1 entry")

      const analysis = analyze(out)
      expect(analysis.frames).toHaveLength(12)
      expect([analysis.width, analysis.height, analysis.sampling, analysis.fps]).toEqual([128, 96, "4:2:0", 12])
      expect(analysis.standard.servable && analysis.classic.servable).toBe(true)
      for (const [i, frame] of analysis.frames.entries()) {
        const pixels = yield* decode(frame.jpeg)
        expect(pixels.channels).toBe(3)
        expect(Math.abs(meanLevel(pixels.data) - 20 * (i + 1))).toBeLessThan(3)
      }
    }))

  it.scopedLive("re-encodes a raw MJPEG file whose frames RFC 2435 cannot carry", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const input = join(dir, "mixed.mjpeg")
      const names = ["optimised-420.jpg", "progressive-420.jpg", "baseline-444.jpg", "gray.jpg", "baseline-422.jpg"]
      writeFileSync(input, Buffer.concat(names.map(fixture)))
      expect(analyze(input).standard.servable).toBe(false)

      const out = join(dir, "fixed.Mjpeg")
      const result = yield* cli("video", "convert", input, out)
      expect(result.code).toBe(0)
      const analysis = analyze(out)
      expect(analysis.frames).toHaveLength(5)
      expect([analysis.width, analysis.height, analysis.sampling, analysis.fps]).toEqual([64, 48, "4:2:0", 20])
      expect(analysis.problems).toEqual([])
      expect(analysis.standard.servable && analysis.classic.servable).toBe(true)
    }))

  it.scopedLive("re-encodes a lab .Mjpeg file frame by frame, keeping its frame rate and its frames", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const input = join(dir, "in.Mjpeg")
      expect((yield* cli("video", "create", input, "--frames", "6", "--size", "128x96", "--fps", "15")).code).toBe(0)
      const out = join(dir, "out.mjpg")
      const result = yield* cli("video", "convert", input, out, "--quality", "50")
      expect(result.code).toBe(0)
      const analysis = analyze(out)
      expect([analysis.container, analysis.fps, analysis.frames.length]).toEqual(["raw", 15, 6])
      for (const [i, frame] of analysis.frames.entries()) {
        const pixels = yield* decode(frame.jpeg)
        expect(readFrameNumber(pixels.data, pixels.width, pixels.height, pixels.channels)).toBe(i)
      }
    }))

  it.scopedLive.skipIf(ffmpegSkip)("converts a video file through ffmpeg", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const input = join(dir, "in.mp4")
      run("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc=size=322x242:rate=10", "-t", "1", "-pix_fmt", "yuv420p", input])
      const out = join(dir, "video.Mjpeg")
      const result = yield* cli("video", "convert", input, out)
      expect(result.code).toBe(0)
      const analysis = analyze(out)
      expect([analysis.width, analysis.height, analysis.frames.length, analysis.fps]).toEqual([320, 240, 10, 10])
      expect(analysis.standard.servable && analysis.classic.servable).toBe(true)

      const resampled = join(dir, "video5.mjpeg")
      expect((yield* cli("video", "convert", input, resampled, "--fps", "5", "--size", "160x120")).code).toBe(0)
      const analysis5 = analyze(resampled)
      expect([analysis5.width, analysis5.height, analysis5.frames.length, analysis5.fps]).toEqual([160, 120, 5, 5])
    }))

  it.scopedLive("with --classic keeps every noisy frame within the classic client's limit", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const images = join(dir, "noise")
      yield* Effect.sync(() => run("mkdir", [images]))
      for (let i = 0; i < 3; i++) yield* writePng(join(images, `n${i}.png`), noise(320, 240, i + 1), 320, 240)

      const plain = join(dir, "plain.Mjpeg")
      const warned = yield* cli("video", "convert", images, plain)
      expect(warned.code).toBe(0)
      expect(warned.stderr).toContain("warning: 3 of 3 frames are larger than the classic client's 20,468-byte limit")
      expect(analyze(plain).classic.servable).toBe(false)

      const out = join(dir, "classic.Mjpeg")
      const result = yield* cli("video", "convert", images, out, "--classic")
      expect(result.code).toBe(0)
      expect(result.stderr).toContain("note: 3 frames were encoded below quality 75")
      const analysis = analyze(out)
      expect(analysis.frames).toHaveLength(3)
      for (const frame of analysis.frames) expect(frame.jpeg.length).toBeLessThanOrEqual(CLASSIC_MAX_FRAME_BYTES)
      expect(analysis.standard.servable && analysis.classic.servable).toBe(true)
    }))

  it.scopedLive("with --classic fails clearly when even quality 10 is too large, leaving no file", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const images = join(dir, "noise")
      yield* Effect.sync(() => run("mkdir", [images]))
      yield* writePng(join(images, "big.png"), noise(640, 480, 7), 640, 480)
      const out = join(dir, "classic.Mjpeg")
      const result = yield* cli("video", "convert", images, out, "--classic")
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/^error: frame 0 is \d+ bytes even at quality 10; the limit is \d+ bytes/)
      expect(readdir(dir)).toEqual(["noise"])
    }))

  it.scopedLive("says what is wrong with the input", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const missing = yield* cli("video", "convert", join(dir, "nope"), join(dir, "out.Mjpeg"))
      expect(missing.code).toBe(1)
      expect(missing.stderr).toBe(`error: cannot read ${join(dir, "nope")}: no such file or directory`)
      const empty = yield* cli("video", "convert", dir, join(dir, "out.Mjpeg"))
      expect(empty.code).toBe(1)
      expect(empty.stderr).toContain(`error: no images in ${dir}`)
    }))
})

describe("effect-rtsp video info", () => {
  it.scopedLive("reports a good file and exits 0", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = join(dir, "good.Mjpeg")
      yield* cli("video", "create", file, "--frames", "5", "--size", "128x96")
      const text = yield* cli("video", "info", file)
      expect(text.code).toBe(0)
      expect(text.stdout).toContain("frames:      5")
      expect(text.stdout).toContain("resolution:  128x96")
      expect(text.stdout).toContain("frame rate:  20 fps (from the file)")
      expect(text.stdout).toContain("duration:    0.25 s")
      expect(text.stdout).toMatch(/frame bytes: min [\d,]+, avg [\d,]+, max [\d,]+/)

      const json = yield* cli("video", "info", file, "--json", "--fps", "10")
      expect(json.code).toBe(0)
      const report = JSON.parse(json.stdout) as InfoJson
      expect(report).toMatchObject({
        file,
        container: "lab",
        frames: 5,
        width: 128,
        height: 96,
        sampling: "4:2:0",
        fps: 10,
        fpsSource: "option",
        durationSeconds: 0.5,
        standard: { servable: true, problems: 0 },
        classic: { servable: true, problems: 0 },
        problems: [],
        exitCode: 0
      })
      expect(Object.keys(report.frameBytes).sort()).toEqual(["avg", "max", "min"])
    }))

  it.scopedLive("exits 1 for a file only the classic dialect can serve (optimised Huffman tables), listing every problem in JSON", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = join(dir, "optimised.mjpeg")
      writeFileSync(file, Buffer.concat(Array.from({ length: 15 }, () => fixture("optimised-420.jpg"))))
      const text = yield* cli("video", "info", file)
      expect(text.code).toBe(1)
      expect(text.stdout).toMatch(/standard dialect.*NOT servable/)
      expect(text.stdout).toMatch(/classic dialect.*:\s+servable/)
      expect(text.stdout).toContain("more HuffmanTables problems")

      const json = yield* cli("video", "info", file, "--json")
      expect(json.code).toBe(1)
      const report = JSON.parse(json.stdout) as InfoJson
      expect(report.standard.servable).toBe(false)
      expect(report.classic.servable).toBe(true)
      expect(report.exitCode).toBe(1)
      const huffman = report.problems.filter((p) => p.code === "HuffmanTables")
      expect(new Set(huffman.map((p) => p.frameIndex)).size).toBe(15)
      for (const p of report.problems) {
        expect(Object.keys(p).sort()).toEqual(["affects", "code", "frameIndex", "message", "offset"])
      }
    }))

  it.scopedLive("exits 2 for a file neither dialect can serve, or one that is not MJPEG at all", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const good = join(dir, "good.Mjpeg")
      yield* cli("video", "create", good, "--frames", "3", "--size", "128x96")
      const cut = join(dir, "cut.Mjpeg")
      const bytes = readFileSync(good)
      writeFileSync(cut, bytes.subarray(0, bytes.length - 100))
      const truncated = yield* cli("video", "info", cut)
      expect(truncated.code).toBe(2)
      expect(truncated.stdout).toMatch(/standard dialect.*NOT servable/)
      expect(truncated.stdout).toMatch(/classic dialect.*NOT servable/)
      expect(truncated.stdout).toContain("but the file ends at byte")

      const text = join(dir, "notes.Mjpeg")
      writeFileSync(text, "hello, world")
      const unknown = yield* cli("video", "info", text)
      expect(unknown.code).toBe(2)
      expect(unknown.stderr).toContain("neither a lab .Mjpeg file")

      const missing = yield* cli("video", "info", join(dir, "missing.Mjpeg"), "--json")
      expect(missing.code).toBe(2)
      const report = JSON.parse(missing.stdout) as InfoJson
      expect(report).toMatchObject({ standard: { servable: false }, classic: { servable: false }, exitCode: 2, error: { reason: "NotFound" } })
    }))

  it.effect("documents the exit status in its help", () =>
    Effect.gen(function*() {
      const help = yield* cli("video", "info", "--help")
      expect(help.code).toBe(0)
      expect(help.stdout).toContain("0 = servable in both dialects, 1 = servable in only one, 2 = servable in neither")
    }))
})

describe("effect-rtsp video frame", () => {
  it.scopedLive("writes frame n (0-based) as a PNG of the video's size", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const video = join(dir, "v.Mjpeg")
      yield* cli("video", "create", video, "--frames", "8", "--size", "192x144")
      const png = join(dir, "f5.png")
      const result = yield* cli("video", "frame", video, "5", png)
      expect(result.code).toBe(0)
      const bytes = readFileSync(png)
      expect(bytes.subarray(1, 4).toString("latin1")).toBe("PNG")
      const pixels = yield* decode(png)
      expect([pixels.width, pixels.height]).toEqual([192, 144])
      expect(readFrameNumber(pixels.data, pixels.width, pixels.height, pixels.channels)).toBe(5)

      const outOfRange = yield* cli("video", "frame", video, "8", join(dir, "f8.png"))
      expect(outOfRange.code).toBe(1)
      expect(outOfRange.stderr).toBe(`error: frame 8 is out of range: ${video} has 8 frames, numbered 0 to 7`)
    }))
})
