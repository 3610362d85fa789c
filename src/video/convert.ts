/**
 * `video convert`: a picture source of whatever kind to a servable MJPEG file. Sources are a
 * folder of images (sorted by name, numbers in names compared as numbers), an
 * MJPEG file in either container (every frame re-encoded), or any video
 * ffmpeg can read. Every frame is decoded to RGB at one servable size and
 * re-encoded as baseline 4:2:0 JPEG with the standard tables.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { Console, Effect, Option, Stream } from "effect"
import { basename, extname, join } from "node:path"
import { analyzeMjpeg } from "../media/analyze.js"
import { formatProblem } from "../media/problems.js"
import { checkFps, checkQuality } from "./create.js"
import { readFailed, VideoError } from "./errors.js"
import { Ffmpeg } from "./Ffmpeg.js"
import { decodeImage, imageSize, type RawFrame } from "./rawFrame.js"
import { type FrameSize, roundToServable, servableSizeProblem } from "./size.js"
import { type VideoSummary, writeVideo } from "./writeVideo.js"

export const DEFAULT_CONVERT_QUALITY = 75
export const DEFAULT_IMAGE_FPS = 20

export interface ConvertOptions {
  readonly input: string
  readonly out: string
  /** Images and MJPEG: the rate written into the file. Video: resample to this rate (default: keep the source's). */
  readonly fps: number | undefined
  readonly quality: number
  /** Shrink frames over the classic client's 20,468-byte limit by lowering their quality. */
  readonly classic: boolean
  /** Default: the source's size rounded down to multiples of 8 (scaled down to fit 2040). */
  readonly size: FrameSize | undefined
}

export type SourceKind = "images" | "mjpeg" | "video"

export interface ConvertSummary extends VideoSummary {
  readonly source: SourceKind
}

interface Source {
  readonly kind: SourceKind
  readonly frames: Stream.Stream<RawFrame, VideoError>
  readonly fps: number
  readonly expectedFrames: number | undefined
}

/** Extensions of the still-image formats sharp decodes. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  ".png", ".jpg", ".jpeg", ".webp", ".gif", ".tif", ".tiff", ".avif", ".heic", ".heif", ".svg", ".jp2", ".jxl", ".ppm", ".pgm", ".pnm"
])

const MJPEG_EXTENSIONS: ReadonlySet<string> = new Set([".mjpeg", ".mjpg"])

const decodeConcurrency = 4

/** Natural order: frame2.png before frame10.png. */
export const compareNames = (a: string, b: string): number => a.localeCompare(b, "en", { numeric: true })

const targetSize = (requested: FrameSize | undefined, source: FrameSize): FrameSize =>
  requested ?? roundToServable(source)

const folderSource = (dir: string, options: ConvertOptions) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const names = yield* Effect.mapError(fs.readDirectory(dir), (e) => readFailed(dir, e))
    const images = names
      .filter((name) => !name.startsWith(".") && IMAGE_EXTENSIONS.has(extname(name).toLowerCase()))
      .sort(compareNames)
    const first = images[0]
    if (first === undefined) {
      return yield* Effect.fail(new VideoError({
        reason: "NoFrames",
        message: `no images in ${dir} (looked for ${[...IMAGE_EXTENSIONS].join(" ")})`
      }))
    }
    const ignored = names.length - images.length
    if (ignored > 0) yield* Console.error(`note: ignoring ${ignored} entr${ignored === 1 ? "y" : "ies"} of ${dir} that ${ignored === 1 ? "is" : "are"} not an image`)
    const size = targetSize(options.size, yield* imageSize(join(dir, first), first))
    const source: Source = {
      kind: "images",
      frames: Stream.fromIterable(images).pipe(
        Stream.mapEffect((name) => decodeImage(join(dir, name), size, name), { concurrency: decodeConcurrency })
      ),
      fps: options.fps ?? DEFAULT_IMAGE_FPS,
      expectedFrames: images.length
    }
    return source
  })

const mjpegSource = (path: string, options: ConvertOptions) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const buf = Buffer.from(yield* Effect.mapError(fs.readFile(path), (e) => readFailed(path, e)))
    const fileName = basename(path)
    const analysis = analyzeMjpeg(buf, { fileName })
    // Frames that cannot be delimited are lost; say so rather than skip them silently.
    for (const problem of analysis.problems) {
      if (problem.affects === "both" && problem.code !== "Empty") yield* Console.error(`warning: ${formatProblem(fileName, problem)}`)
    }
    const first = analysis.frames[0]
    if (first === undefined) {
      return yield* Effect.fail(new VideoError({ reason: "NoFrames", message: `${path} holds no frames` }))
    }
    const sourceSize = analysis.width > 0 ? { width: analysis.width, height: analysis.height } : yield* imageSize(first.jpeg, `frame ${first.index} of ${fileName}`)
    const size = targetSize(options.size, sourceSize)
    const source: Source = {
      kind: "mjpeg",
      frames: Stream.fromIterable(analysis.frames).pipe(
        Stream.mapEffect((slice) =>
          decodeImage(slice.jpeg, size, `frame ${slice.index} of ${fileName}`).pipe(
            Effect.map(Option.some),
            Effect.catchAll((error) => Effect.as(Console.error(`warning: skipping ${error.message}`), Option.none()))
          ), { concurrency: decodeConcurrency }),
        Stream.filterMap((frame) => frame)
      ),
      fps: options.fps ?? analysis.fps,
      expectedFrames: analysis.frames.length
    }
    return source
  })

const videoSource = (path: string, options: ConvertOptions) =>
  Effect.gen(function*() {
    const ffmpeg = yield* Ffmpeg
    const probe = yield* ffmpeg.probe(path)
    const size = targetSize(options.size, probe.size)
    const fps = options.fps ?? probe.fps ?? DEFAULT_IMAGE_FPS
    const expectedFrames = options.fps === undefined
      ? probe.frames ?? (probe.durationSeconds === undefined ? undefined : Math.round(probe.durationSeconds * fps))
      : probe.durationSeconds === undefined ? undefined : Math.round(probe.durationSeconds * options.fps)
    const source: Source = {
      kind: "video",
      frames: ffmpeg.decode(path, { size, fps: options.fps }),
      fps,
      expectedFrames
    }
    return source
  })

/** The first bytes of a file (fewer if it is shorter). */
const readHead = (path: string, bytes: number) =>
  Effect.scoped(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const file = yield* fs.open(path, { flag: "r" })
    const head = Buffer.alloc(bytes)
    const read = yield* file.read(head)
    return head.subarray(0, Number(read))
  })).pipe(Effect.mapError((e) => readFailed(path, e)))

/** A JPEG (raw MJPEG) or a 5-digit length then a JPEG (lab MJPEG). */
const looksLikeMjpeg = (head: Buffer): boolean =>
  (head[0] === 0xff && head[1] === 0xd8) ||
  (/^\d{5}$/.test(head.subarray(0, 5).toString("latin1")) && head[5] === 0xff && head[6] === 0xd8)

const sourceFor = (options: ConvertOptions) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const info = yield* Effect.mapError(fs.stat(options.input), (e) => readFailed(options.input, e))
    if (info.type === "Directory") return yield* folderSource(options.input, options)
    const head = yield* readHead(options.input, 8)
    if (looksLikeMjpeg(head) || MJPEG_EXTENSIONS.has(extname(options.input).toLowerCase())) {
      return yield* mjpegSource(options.input, options)
    }
    return yield* videoSource(options.input, options)
  })

const validate = (options: ConvertOptions): Effect.Effect<void, VideoError> => {
  const sizeProblem = options.size === undefined ? undefined : servableSizeProblem(options.size)
  const error = (sizeProblem === undefined ? undefined : new VideoError({ reason: "InvalidOption", message: sizeProblem })) ??
    (options.fps === undefined ? undefined : checkFps(options.fps)) ??
    checkQuality(options.quality)
  return error ? Effect.fail(error) : Effect.void
}

export const convertVideo = (
  options: ConvertOptions
): Effect.Effect<ConvertSummary, VideoError, FileSystem.FileSystem | Ffmpeg> =>
  Effect.gen(function*() {
    yield* validate(options)
    const source = yield* sourceFor(options)
    const summary = yield* writeVideo(options.out, source.frames, {
      quality: options.quality,
      fps: source.fps,
      classic: options.classic,
      label: "convert",
      expectedFrames: source.expectedFrames
    })
    return { ...summary, source: source.kind }
  })
