/**
 * `play --dump-dir DIR --dump-every N`: received JPEG frames decoded and
 * written as PNG, so a frame can be looked at or diffed pixel for pixel.
 * Decoding reuses the video tools' sharp wrapper (src/video/rawFrame.ts);
 * files go through @effect/platform's FileSystem like the rest of the CLI.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { Data, Effect } from "effect"
import { join } from "node:path"
import { describePlatformError } from "../../src/common/errorText.js"
import { jpegToPng } from "../../src/video/rawFrame.js"

export type FrameDumpErrorReason = "InvalidOption" | "Directory" | "Decode" | "Write"

/** One line for the user in `message`; `frameIndex` and `path` when the failure is about one frame or file. */
export class FrameDumpError extends Data.TaggedError("FrameDumpError")<{
  readonly reason: FrameDumpErrorReason
  readonly message: string
  readonly frameIndex?: number
  readonly path?: string
  readonly cause?: unknown
}> {}

/** `frame-000042.png`: six digits, more when the index needs them, so names sort in frame order up to a million. */
export const frameFileName = (index: number): string => `frame-${String(index).padStart(6, "0")}.png`

export interface FrameDumperOptions {
  readonly dir: string
  /** Write frames whose index is a multiple of this (1 = every frame). A positive integer. */
  readonly every: number
}

export interface FrameDumper {
  /** Writes frame `index` when `index % every === 0`, otherwise does nothing. */
  readonly onFrame: (index: number, jpeg: Buffer) => Effect.Effect<void, FrameDumpError>
  /** PNG files written so far. */
  readonly written: () => number
}

/** Creates `dir` (and its parents) and returns the dumper; `every` must be a positive integer. */
export const makeFrameDumper = (
  options: FrameDumperOptions
): Effect.Effect<FrameDumper, FrameDumpError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const { dir, every } = options
    if (!Number.isSafeInteger(every) || every < 1) {
      return yield* new FrameDumpError({
        reason: "InvalidOption",
        message: `--dump-every must be a positive whole number, got ${every}`
      })
    }
    const fs = yield* FileSystem.FileSystem
    yield* Effect.mapError(
      fs.makeDirectory(dir, { recursive: true }),
      (cause) =>
        new FrameDumpError({
          reason: "Directory",
          message: `cannot create ${dir}: ${describePlatformError(cause)}`,
          path: dir,
          cause
        })
    )
    let written = 0

    const onFrame = (index: number, jpeg: Buffer): Effect.Effect<void, FrameDumpError> => {
      if (index % every !== 0) return Effect.void
      const path = join(dir, frameFileName(index))
      return jpegToPng(jpeg, `frame ${index}`).pipe(
        Effect.mapError((cause) =>
          new FrameDumpError({ reason: "Decode", message: cause.message, frameIndex: index, cause })
        ),
        Effect.flatMap((png) =>
          Effect.mapError(
            fs.writeFile(path, png.data),
            (cause) =>
              new FrameDumpError({
                reason: "Write",
                message: `cannot write frame ${index} to ${path}: ${describePlatformError(cause)}`,
                frameIndex: index,
                path,
                cause
              })
          )
        ),
        Effect.tap(() =>
          Effect.sync(() => {
            written += 1
          })
        )
      )
    }

    return { onFrame, written: () => written }
  })
