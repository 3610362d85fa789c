import { describe, expect, it } from "@effect/vitest"
import { NodeContext } from "@effect/platform-node"
import { Chunk, Effect, Stream } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Ffmpeg from "../../src/video/Ffmpeg.js"
import { ffmpegSkip, run, tempDir } from "./helpers.js"


const withFfmpeg = <A, E, R>(effect: Effect.Effect<A, E, R | Ffmpeg.Ffmpeg>, options: Ffmpeg.FfmpegOptions = {}) =>
  effect.pipe(Effect.provide(Ffmpeg.layer(options)), Effect.provide(NodeContext.layer))

describe("parseRate", () => {
  it.each([
    ["10/1", 10],
    ["30000/1001", 30000 / 1001],
    ["25", 25],
    ["0/0", undefined],
    ["", undefined],
    [undefined, undefined],
    ["abc", undefined]
  ])("%j -> %d", (text, rate) => {
    expect(Ffmpeg.parseRate(text)).toBe(rate)
  })
})

describe("Ffmpeg", () => {
  it.live("says plainly when ffmpeg is not installed", () =>
    withFfmpeg(
      Effect.gen(function*() {
        const ffmpeg = yield* Ffmpeg.Ffmpeg
        const probeError = yield* Effect.flip(ffmpeg.probe("in.mp4"))
        expect(probeError.reason).toBe("FfmpegMissing")
        expect(probeError.message).toBe("ffmpeg is not installed; install it or convert from images")
        const decodeError = yield* Effect.flip(Stream.runDrain(ffmpeg.decode("in.mp4", { size: { width: 64, height: 48 }, fps: undefined })))
        expect(decodeError.reason).toBe("FfmpegMissing")
      }),
      { ffmpeg: "effect-rtsp-test-no-such-ffmpeg", ffprobe: "effect-rtsp-test-no-such-ffprobe" }
    ))

  it.scopedLive.skipIf(ffmpegSkip)("probes and decodes a video to RGB frames of the requested size and rate", () =>
    withFfmpeg(
      Effect.gen(function*() {
        const dir = yield* tempDir
        const input = join(dir, "in.mp4")
        run("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc=size=322x242:rate=10", "-t", "1", "-pix_fmt", "yuv420p", input])
        const ffmpeg = yield* Ffmpeg.Ffmpeg
        const probe = yield* ffmpeg.probe(input)
        expect(probe.size).toEqual({ width: 322, height: 242 })
        expect(probe.fps).toBe(10)
        expect(probe.durationSeconds).toBeCloseTo(1, 1)

        const frames = Chunk.toReadonlyArray(yield* Stream.runCollect(ffmpeg.decode(input, { size: { width: 320, height: 240 }, fps: undefined })))
        expect(frames).toHaveLength(10)
        for (const frame of frames) {
          expect(frame.width).toBe(320)
          expect(frame.height).toBe(240)
          expect(frame.data.length).toBe(320 * 240 * 3)
        }
        // testsrc moves: frames differ.
        expect(frames[0]!.data.equals(frames[9]!.data)).toBe(false)

        const resampled = yield* Stream.runCollect(ffmpeg.decode(input, { size: { width: 160, height: 120 }, fps: 5 }))
        expect(Chunk.size(resampled)).toBe(5)
      })
    ))

  it.scopedLive.skipIf(ffmpegSkip)("fails with the tool's own reason on a file that is not a video", () =>
    withFfmpeg(
      Effect.gen(function*() {
        const dir = yield* tempDir
        const input = join(dir, "notes.txt")
        writeFileSync(input, "not a video at all\n")
        const ffmpeg = yield* Ffmpeg.Ffmpeg
        const error = yield* Effect.flip(ffmpeg.probe(input))
        expect(error.reason).toBe("UnknownFormat")
        expect(error.message).toContain(`${input} is not a video ffmpeg can read`)
        const decodeError = yield* Effect.flip(Stream.runDrain(ffmpeg.decode(input, { size: { width: 64, height: 48 }, fps: undefined })))
        expect(decodeError.reason).toBe("FfmpegFailed")
      })
    ))
})
