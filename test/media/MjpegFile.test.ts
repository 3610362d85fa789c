import { FileSystem } from "@effect/platform"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { join } from "node:path"
import { loadMjpegFile, MediaError, requireServable } from "../../src/media/MjpegFile.js"
import { buildJpegs, labFile, labOffsets, withComment } from "./craft.js"

const J = await buildJpegs()
const { a, b, c } = J

/** Writes `bytes` as `name` in a scoped temporary directory and returns its path. */
const tempFile = (name: string, bytes: Buffer) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped({ prefix: "effect-rtsp-media-" })
    const path = join(dir, name)
    yield* fs.writeFile(path, bytes)
    return path
  })

const failure = <A, R>(effect: Effect.Effect<A, MediaError, R>) =>
  Effect.flip(effect).pipe(Effect.map((error) => ({ reason: error.reason, path: error.path, message: error.message, problems: error.problems })))

describe("loadMjpegFile", () => {
  it.scoped("loads a lab file: frames are views into one buffer read once", () =>
    Effect.gen(function*() {
      const frames = [withComment(a, "effect-rtsp:fps=25"), b, c]
      const path = yield* tempFile("movie.Mjpeg", labFile(frames))
      const file = yield* loadMjpegFile(path)
      expect(file.path).toBe(path)
      expect(file.fileName).toBe(path)
      expect(file.container).toBe("lab")
      expect(file.problems).toEqual([])
      expect([file.standard.servable, file.classic.servable]).toEqual([true, true])
      expect(file.frames.map((f) => f.offset)).toEqual(labOffsets(frames))
      expect([file.fps, file.fpsSource]).toEqual([25, "comment"])
      const memory = file.frames[0]!.jpeg.buffer
      expect(file.frames.every((f) => f.jpeg.buffer === memory)).toBe(true)
      expect(file.rfc2435Frames?.every((f) => f.scanData.buffer === memory)).toBe(true)
      expect(file.frames[1]!.jpeg.equals(b)).toBe(true)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("loads a raw file, with fps and display name from the options", () =>
    Effect.gen(function*() {
      const path = yield* tempFile("movie.mjpeg", Buffer.concat([a, b]))
      const file = yield* loadMjpegFile(path, { fps: 10, fileName: "movie.mjpeg" })
      expect(file.container).toBe("raw")
      expect([file.fps, file.fpsSource, file.durationSeconds]).toEqual([10, "option", 0.2])
      expect(file.fileName).toBe("movie.mjpeg")
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("loads a file that is not servable, without failing", () =>
    Effect.gen(function*() {
      const path = yield* tempFile("bad.Mjpeg", labFile([a, J.progressive]))
      const file = yield* loadMjpegFile(path)
      expect([file.standard.servable, file.classic.servable]).toEqual([false, true])
      expect(file.problems.map((p) => p.code)).toEqual(["NotBaseline", "Scan"])
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("loads an empty file with an Empty problem", () =>
    Effect.gen(function*() {
      const path = yield* tempFile("empty.Mjpeg", Buffer.alloc(0))
      const file = yield* loadMjpegFile(path)
      expect(file.problems.map((p) => p.code)).toEqual(["Empty"])
      expect([file.standard.servable, file.classic.servable]).toEqual([false, false])
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("fails NotFound for a missing file", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const path = join(dir, "missing.Mjpeg")
      const error = yield* failure(loadMjpegFile(path))
      expect(error).toEqual({ reason: "NotFound", path, message: `${path}: no such file`, problems: [] })
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("fails Unreadable for a directory", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const error = yield* failure(loadMjpegFile(dir))
      expect(error.reason).toBe("Unreadable")
      expect(error.message).toContain(`${dir}: cannot be read`)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("fails UnknownFormat for a file that is neither container", () =>
    Effect.gen(function*() {
      const path = yield* tempFile("notes.txt", Buffer.from("hello world"))
      const error = yield* failure(loadMjpegFile(path))
      expect(error.reason).toBe("UnknownFormat")
      expect(error.message).toContain("68 65 6c 6c 6f 20 77 6f")
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("reads such a file anyway when told the container", () =>
    Effect.gen(function*() {
      const path = yield* tempFile("notes.txt", Buffer.from("hello world"))
      const file = yield* loadMjpegFile(path, { container: "lab" })
      expect(file.problems.map((p) => p.code)).toEqual(["BadLengthPrefix", "Empty"])
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})

describe("requireServable", () => {
  it.scoped("passes a file the dialect can serve and refuses one it cannot, naming file, frame and byte", () =>
    Effect.gen(function*() {
      const frames = [a, J.yuv444, J.classicTooLarge]
      const path = yield* tempFile("mixed.Mjpeg", labFile(frames))
      const file = yield* loadMjpegFile(path, { fileName: "mixed.Mjpeg" })
      const offsets = labOffsets(frames)
      // Frame 2 is also 256x160 against 64x48: a structural problem for both dialects.
      const standard = yield* failure(requireServable(file, "standard"))
      expect(standard.reason).toBe("NotServable")
      expect(standard.path).toBe(path)
      expect(standard.problems.map((p) => [p.code, p.frameIndex, p.offset])).toEqual([
        ["Sampling", 1, offsets[1]],
        ["InconsistentDimensions", 2, offsets[2]]
      ])
      expect(standard.message.split("\n")).toEqual([
        "mixed.Mjpeg cannot be served to standard (RTSP/RFC 2435) clients (2 problems):",
        `  mixed.Mjpeg: frame 1 at byte ${offsets[1]}: sampling 1x1,1x1,1x1; only 4:2:2 (2x1,1x1,1x1) and 4:2:0 (2x2,1x1,1x1) can be sent`,
        `  mixed.Mjpeg: frame 2 at byte ${offsets[2]}: 256x160, but frame 0 is 64x48; every frame must have the same size`
      ])
      const classic = yield* failure(requireServable(file, "classic"))
      expect(classic.problems.map((p) => p.code)).toEqual(["InconsistentDimensions", "TooLargeForClassic"])
      expect(classic.message).toContain(`mixed.Mjpeg: frame 2 at byte ${offsets[2]}: ${J.classicTooLarge.length} bytes`)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("serves each dialect what it can", () =>
    Effect.gen(function*() {
      const path = yield* tempFile("yuv444.Mjpeg", labFile([J.yuv444, J.yuv444]))
      const file = yield* loadMjpegFile(path)
      expect(yield* requireServable(file, "classic")).toBe(file)
      const refused = yield* Effect.either(requireServable(file, "standard"))
      expect(Either.isLeft(refused) && refused.left instanceof MediaError && refused.left.problems.length).toBe(2)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("collapses a problem repeated on many frames in the message, keeping the full list", () =>
    Effect.gen(function*() {
      const frames = Array.from({ length: 25 }, () => J.yuv444)
      const path = yield* tempFile("many.Mjpeg", labFile(frames))
      const file = yield* loadMjpegFile(path, { fileName: "many.Mjpeg" })
      const error = yield* failure(requireServable(file, "standard"))
      expect(error.problems.length).toBe(25)
      const lines = error.message.split("\n")
      expect(lines.length).toBe(1 + 10 + 1)
      expect(lines[lines.length - 1]).toBe("  many.Mjpeg: 15 more Sampling problems (frames 10 to 24)")
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
