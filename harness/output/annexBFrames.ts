/**
 * `play --dump-dir` for H.264/H.265: the whole access units, rebuilt as an Annex-B stream (the
 * description's parameter sets first), decoded by ffmpeg into PNG files named by frame index
 * like the MJPEG dumper's (frame-000042.png). ffmpeg starts at the first keyframe, the first
 * unit anything can decode; a missing ffmpeg is a clear error, never an empty folder.
 */
import * as Command from "@effect/platform/Command"
import * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as FileSystem from "@effect/platform/FileSystem"
import { Effect, Fiber, Queue, type Scope, Stream } from "effect"
import { join } from "node:path"
import { describePlatformError } from "../../src/common/errorText.js"
import { type AccessUnit, toAnnexB } from "../../src/protocol/nal/nalDepacketizer.js"
import type { NalCodec, NalStream } from "../receiver/nalReceiver.js"
import { FrameDumpError, frameFileName } from "./pngFrames.js"

export interface DecodedFrames {
  /** PNG files kept (every `every`-th frame). */
  readonly written: number
  /** Access units fed to ffmpeg, and those before the first keyframe, which nothing can decode. */
  readonly fed: number
  readonly skippedBeforeKeyframe: number
  /** The files written, by frame index, in order. */
  readonly files: ReadonlyArray<{ readonly index: number; readonly path: string }>
}

export interface AnnexBDecoder {
  /** One whole access unit, frame `index` (from the socket callback: it only queues). */
  readonly offer: (unit: AccessUnit, index: number, stream: NalStream) => void
  /** Ends the input, waits for ffmpeg and names its PNGs by frame index. */
  readonly finish: Effect.Effect<DecodedFrames, FrameDumpError>
}

export const FFMPEG_NEEDED = "H.264/H.265 frames are decoded to PNG by ffmpeg, which is not installed: install ffmpeg, or leave out --dump-dir/--contact-sheet"

const DECODED = "decoded-%06d.png"
const decodedName = (k: number): string => `decoded-${String(k).padStart(6, "0")}.png`

const decodeError = (message: string, cause?: unknown): FrameDumpError =>
  new FrameDumpError({ reason: "Decode", message, ...(cause === undefined ? {} : { cause }) })

export const makeAnnexBDecoder = (options: {
  readonly dir: string
  readonly every: number
}): Effect.Effect<AnnexBDecoder, FrameDumpError, CommandExecutor.CommandExecutor | FileSystem.FileSystem | Scope.Scope> =>
  Effect.gen(function* () {
    const { dir, every } = options
    const fs = yield* FileSystem.FileSystem
    const executor = yield* CommandExecutor.CommandExecutor
    yield* Effect.mapError(fs.makeDirectory(dir, { recursive: true }), (cause) =>
      new FrameDumpError({ reason: "Directory", message: `cannot create ${dir}: ${describePlatformError(cause)}`, path: dir, cause }))
    // Annex-B chunks, then undefined as the end mark.
    const input = yield* Queue.unbounded<Uint8Array | undefined>()
    const fedIndices: Array<number> = []
    let codec: NalCodec | undefined
    let skipped = 0

    const offer: AnnexBDecoder["offer"] = (unit, index, stream) => {
      if (codec === undefined) {
        if (!unit.keyframe) {
          skipped++
          return
        }
        codec = stream.codec
        if (stream.parameterSets.length > 0) Queue.unsafeOffer(input, toAnnexB(stream.parameterSets))
      }
      Queue.unsafeOffer(input, toAnnexB(unit.nalUnits))
      fedIndices.push(index)
    }

    /** ffmpeg reading the stream from its first chunk on; nothing to run when no keyframe came. */
    const decoder = Effect.gen(function* () {
      const first = yield* Queue.take(input)
      if (first === undefined || codec === undefined) return
      const rest = Stream.fromQueue(input).pipe(Stream.takeWhile((chunk): chunk is Uint8Array => chunk !== undefined))
      const command = Command.make(
        "ffmpeg", "-hide_banner", "-loglevel", "error",
        "-f", codec === "H264" ? "h264" : "hevc", "-i", "pipe:0",
        "-fps_mode", "passthrough", "-start_number", "0", join(dir, DECODED)
      ).pipe(Command.stdin(Stream.concat(Stream.make(first), rest)))
      yield* Effect.scoped(Effect.gen(function* () {
        const process = yield* executor.start(command)
        const [stderr, exitCode] = yield* Effect.all([
          process.stderr.pipe(Stream.decodeText(), Stream.runFold("", (text, piece) => (text + piece).slice(-2000))),
          process.exitCode
        ], { concurrency: "unbounded" })
        if (exitCode !== 0) return yield* decodeError(`ffmpeg could not decode the ${codec === "H264" ? "H.264" : "H.265"} stream: ${stderr.trim().split("\n").at(-1) ?? `exit ${exitCode}`}`)
      })).pipe(
        Effect.catchTag("SystemError", (error) => Effect.fail(error.reason === "NotFound" ? decodeError(FFMPEG_NEEDED, error) : decodeError(`cannot run ffmpeg: ${error.message}`, error))),
        Effect.catchTag("BadArgument", (error) => Effect.fail(decodeError(`cannot run ffmpeg: ${error.message}`, error)))
      )
    })
    const worker = yield* Effect.forkScoped(decoder)

    /** decoded-k is the k-th unit fed: rename it after its frame, keep every `every`-th. */
    const nameByFrame = Effect.gen(function* () {
      const names = yield* Effect.orElseSucceed(fs.readDirectory(dir), () => [])
      const decoded = names.filter((n) => /^decoded-\d+\.png$/.test(n)).length
      if (decoded !== fedIndices.length) {
        return yield* decodeError(`ffmpeg decoded ${decoded} of the ${fedIndices.length} access units fed to it; PNG files left as ${join(dir, "decoded-*.png")}`)
      }
      const files: Array<{ readonly index: number; readonly path: string }> = []
      for (const [k, index] of fedIndices.entries()) {
        const from = join(dir, decodedName(k))
        const keep = index % every === 0
        const to = join(dir, frameFileName(index))
        yield* Effect.mapError(keep ? fs.rename(from, to) : fs.remove(from), (cause) =>
          new FrameDumpError({ reason: "Write", message: `cannot ${keep ? "rename" : "remove"} ${from}: ${describePlatformError(cause)}`, path: from, cause }))
        if (keep) files.push({ index, path: to })
      }
      return files
    })

    const finish: AnnexBDecoder["finish"] = Effect.gen(function* () {
      Queue.unsafeOffer(input, undefined)
      yield* Fiber.join(worker)
      const files = fedIndices.length === 0 ? [] : yield* nameByFrame
      return { written: files.length, fed: fedIndices.length, skippedBeforeKeyframe: skipped, files }
    })

    return { offer, finish }
  })
