import { FileSystem } from "@effect/platform"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { join } from "node:path"
import sharp from "sharp"
import { FrameDumpError, frameFileName, makeFrameDumper } from "../../../harness/output/pngFrames.js"
import { loadMjpegFile } from "../../../src/media/index.js"

const SAMPLE = "video/movie.Mjpeg"

const sampleFrames = (count: number) =>
  Effect.map(loadMjpegFile(SAMPLE), (file) => file.frames.slice(0, count).map((f) => f.jpeg))

const rawPixels = (image: Buffer | string) =>
  Effect.promise(() => sharp(image).raw().toBuffer({ resolveWithObject: true }))

const tempDir = Effect.flatMap(FileSystem.FileSystem, (fs) => fs.makeTempDirectoryScoped({ prefix: "effect-rtsp-dump-" }))

describe("frameFileName", () => {
  it("pads to six digits and grows past them", () => {
    expect(frameFileName(0)).toBe("frame-000000.png")
    expect(frameFileName(42)).toBe("frame-000042.png")
    expect(frameFileName(999999)).toBe("frame-999999.png")
    expect(frameFileName(1234567)).toBe("frame-1234567.png")
  })
})

describe("makeFrameDumper", () => {
  it.scoped("writes PNGs whose pixels equal the source JPEG decoded by sharp", () =>
    Effect.gen(function*() {
      const jpegs = yield* sampleFrames(5)
      expect(jpegs.length).toBe(5)
      const dir = join(yield* tempDir, "nested", "frames")
      const dumper = yield* makeFrameDumper({ dir, every: 1 })
      yield* Effect.forEach(jpegs, (jpeg, i) => dumper.onFrame(i, jpeg))
      expect(dumper.written()).toBe(5)
      for (const [i, jpeg] of jpegs.entries()) {
        const png = join(dir, frameFileName(i))
        expect((yield* Effect.promise(() => sharp(png).metadata())).format).toBe("png")
        const actual = yield* rawPixels(png)
        const expected = yield* rawPixels(jpeg)
        expect(actual.info).toMatchObject({ width: expected.info.width, height: expected.info.height, channels: expected.info.channels })
        expect(actual.data.equals(expected.data)).toBe(true)
      }
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("every=3 writes frames 0, 3, 6 and 9 of 0..10", () =>
    Effect.gen(function*() {
      const [jpeg] = yield* sampleFrames(1)
      const dir = yield* tempDir
      const dumper = yield* makeFrameDumper({ dir, every: 3 })
      for (let i = 0; i <= 10; i++) yield* dumper.onFrame(i, jpeg!)
      expect(dumper.written()).toBe(4)
      const fs = yield* FileSystem.FileSystem
      const names = [...(yield* fs.readDirectory(dir))].sort()
      expect(names).toEqual(["frame-000000.png", "frame-000003.png", "frame-000006.png", "frame-000009.png"])
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("an undecodable or truncated JPEG is a Decode error naming the frame, and nothing is written", () =>
    Effect.gen(function*() {
      const [jpeg] = yield* sampleFrames(1)
      const dir = yield* tempDir
      const dumper = yield* makeFrameDumper({ dir, every: 1 })
      const garbage = yield* Effect.flip(dumper.onFrame(7, Buffer.from("this is not a jpeg")))
      expect(garbage).toBeInstanceOf(FrameDumpError)
      expect(garbage).toMatchObject({ _tag: "FrameDumpError", reason: "Decode", frameIndex: 7 })
      expect(garbage.message).toContain("frame 7")
      const truncated = yield* Effect.flip(dumper.onFrame(8, jpeg!.subarray(0, Math.floor(jpeg!.length / 2))))
      expect(truncated).toMatchObject({ reason: "Decode", frameIndex: 8 })
      expect(dumper.written()).toBe(0)
      const fs = yield* FileSystem.FileSystem
      expect(yield* fs.readDirectory(dir)).toEqual([])
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("a directory that cannot be created is a Directory error", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const file = join(yield* tempDir, "a-file")
      yield* fs.writeFileString(file, "x")
      const error = yield* Effect.flip(makeFrameDumper({ dir: join(file, "frames"), every: 1 }))
      expect(error).toMatchObject({ reason: "Directory", path: join(file, "frames") })
      expect(error.message).toContain(join(file, "frames"))
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("a write that fails is a Write error naming frame and path", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const [jpeg] = yield* sampleFrames(1)
      const dir = yield* tempDir
      const dumper = yield* makeFrameDumper({ dir, every: 1 })
      // A directory where the PNG should go makes the write fail.
      yield* fs.makeDirectory(join(dir, frameFileName(2)))
      const error = yield* Effect.flip(dumper.onFrame(2, jpeg!))
      expect(error).toMatchObject({ reason: "Write", frameIndex: 2, path: join(dir, frameFileName(2)) })
      expect(dumper.written()).toBe(0)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("every must be a positive integer", () =>
    Effect.gen(function*() {
      for (const every of [0, -1, 1.5, Number.NaN]) {
        const error = yield* Effect.flip(makeFrameDumper({ dir: "/nonexistent/never-created", every }))
        expect(error.reason).toBe("InvalidOption")
      }
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
