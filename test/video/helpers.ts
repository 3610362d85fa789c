/** Shared test helpers for the video tools: temp dirs, decoding, noise. */
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import sharp from "sharp"
import { spawnSync } from "node:child_process"
import { ffmpeg, ffprobe } from "../support/tools.js"

/** Skip the tests that need ffmpeg and ffprobe when they are missing (under CI=true they run, and fail). */
export const ffmpegSkip = ffmpeg().skip || ffprobe().skip

/** A fresh temp dir, removed when the scope closes. */
export const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "effect-rtsp-video-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

export interface Decoded {
  readonly data: Buffer
  readonly width: number
  readonly height: number
  readonly channels: number
}

export const decode = (image: Buffer | string): Effect.Effect<Decoded> =>
  Effect.promise(() => sharp(image).raw().toBuffer({ resolveWithObject: true })).pipe(
    Effect.map(({ data, info }) => ({ data, width: info.width, height: info.height, channels: info.channels }))
  )

/** Deterministic pseudo-random RGB noise: the worst case for JPEG size. */
export const noise = (width: number, height: number, seed: number): Buffer => {
  const data = Buffer.alloc(width * height * 3)
  let x = seed * 2654435761 + 1
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    data[i] = x >>> 24
  }
  return data
}

export const writePng = (path: string, data: Buffer, width: number, height: number, channels: 1 | 3 | 4 = 3) =>
  Effect.promise(() => sharp(data, { raw: { width, height, channels } }).png().toFile(path))

export const run = (command: string, args: ReadonlyArray<string>): void => {
  const result = spawnSync(command, args, { stdio: "pipe" })
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr.toString()}`)
}
