/**
 * Validates an MJPEG file once, at load, and says for each dialect whether it
 * can be served. Policy:
 * - A structural problem (Empty, BadLengthPrefix, PartialLengthPrefix,
 *   TruncatedFrame, NotJpeg, BadJpeg, InconsistentDimensions) makes the file
 *   servable in NEITHER dialect: we never send a frame a receiver cannot
 *   decode, and we never skip frames silently.
 * - An RFC 2435 problem (NotBaseline, Precision, ComponentCount, Sampling,
 *   Dimensions, QuantTables, HuffmanTables, Scan) makes it unservable in the
 *   standard dialect only: the classic client decodes any JPEG (with PIL).
 * - A frame size problem (TooLargeForClassic, TooLargeForDatagram) makes it
 *   unservable in the classic dialect only: the standard dialect fragments.
 * Every problem of every frame is listed; collapsing repeats is the
 * formatter's job.
 */
import { Either } from "effect"
import { checkClassicFrameSize, CLASSIC_MAX_FRAME_BYTES, MAX_DATAGRAM_FRAME_BYTES } from "../protocol/jpeg/classic.js"
import { type JpegFrameHeader, type JpegInfo, parseJpeg } from "../protocol/jpeg/markers.js"
import { type Rfc2435Frame, toRfc2435Frame } from "../protocol/jpeg/rfc2435Frame.js"
import { detectContainer, type FrameSlice, type MjpegContainer, splitMjpeg } from "./container.js"
import { affectsDialect, type Dialect, type MediaProblem, mediaProblem } from "./problems.js"

export const DEFAULT_FPS = 20

/** The COM text the video tool writes into the first frame: `effect-rtsp:fps=<number>`. */
export const FPS_COMMENT_PREFIX = "effect-rtsp:fps="

// `(string & {})` keeps the named samplings visible to editors without closing the set.
export type Sampling = "4:2:0" | "4:2:2" | "4:4:4" | "gray" | (string & {})

export interface FrameBytes {
  readonly min: number
  /** Rounded to whole bytes. */
  readonly avg: number
  readonly max: number
}

export interface DialectVerdict {
  readonly servable: boolean
}

export interface MjpegAnalysis {
  readonly fileName: string
  readonly container: MjpegContainer
  /** The frames that could be delimited, in file order (views into the file's buffer). */
  readonly frames: ReadonlyArray<FrameSlice>
  /** Of the first frame that parses (0 when none does). */
  readonly width: number
  readonly height: number
  readonly sampling: Sampling
  readonly fps: number
  /** Where `fps` came from. */
  readonly fpsSource: "option" | "comment" | "default"
  readonly durationSeconds: number
  readonly frameBytes: FrameBytes
  /** Every problem found, in file order. */
  readonly problems: ReadonlyArray<MediaProblem>
  readonly standard: DialectVerdict
  readonly classic: DialectVerdict
  /** One per frame, present iff the file is servable in the standard dialect. */
  readonly rfc2435Frames?: ReadonlyArray<Rfc2435Frame>
}

export interface AnalyzeOptions {
  /** How the file is named in problem messages. */
  readonly fileName: string
  /** Frames per second; overrides the COM segment and the default. Must be positive and finite to count. */
  readonly fps?: number
  /** Skips container detection (a file that is neither is analysed as raw, so its bytes are reported). */
  readonly container?: MjpegContainer
}

const isUsableFps = (fps: number | undefined): fps is number =>
  fps !== undefined && Number.isFinite(fps) && fps > 0

const fpsPattern = new RegExp(`^${FPS_COMMENT_PREFIX}(\\d+(?:\\.\\d+)?)$`)

/** The fps the video tool recorded in a COM segment, if any (trailing NULs and spaces tolerated). */
export const fpsFromComments = (comments: ReadonlyArray<string>): number | undefined => {
  for (const comment of comments) {
    const match = fpsPattern.exec(comment.replace(/\0+$/, "").trim())
    const fps = match?.[1] === undefined ? undefined : Number(match[1])
    if (isUsableFps(fps)) return fps
  }
  return undefined
}

/** "4:2:0", "4:2:2", "4:4:4", "gray", else the raw factors such as "2x2,1x2,1x1". */
export const describeSampling = (frame: JpegFrameHeader): Sampling => {
  const factors = frame.components.map((c) => `${c.horizontalSampling}x${c.verticalSampling}`).join(",")
  switch (factors) {
    case "2x2,1x1,1x1":
      return "4:2:0"
    case "2x1,1x1,1x1":
      return "4:2:2"
    case "1x1,1x1,1x1":
      return "4:4:4"
    case "1x1":
      return "gray"
    default:
      return factors
  }
}

interface ParsedFrame {
  readonly slice: FrameSlice
  readonly info: JpegInfo
}

/** Parses one frame with offsets relative to the whole file, so every offset reported is a file offset. */
const parseFrame = (
  buf: Buffer,
  slice: FrameSlice
): { readonly parsed: ParsedFrame; readonly view: Buffer } | MediaProblem => {
  // A view up to the frame's end: the parser cannot run into the next frame.
  const view = buf.subarray(0, slice.offset + slice.jpeg.length)
  const result = parseJpeg(view, slice.offset)
  if (Either.isRight(result)) return { parsed: { slice, info: result.right }, view }
  const error = result.left
  switch (error.reason) {
    case "NotJpeg":
      return mediaProblem("NotJpeg", slice.offset, `the frame is not a JPEG: ${error.message}`, slice.index)
    case "Truncated":
      return mediaProblem("TruncatedFrame", slice.offset, `the JPEG has no EOI: ${error.message}`, slice.index)
    default:
      return mediaProblem("BadJpeg", error.offset, error.message, slice.index)
  }
}

const sizeProblem = (slice: FrameSlice): MediaProblem | undefined => {
  const bytes = slice.jpeg.length
  switch (checkClassicFrameSize(bytes)) {
    case "TooLargeForClassicClient":
      return mediaProblem(
        "TooLargeForClassic",
        slice.offset,
        `${bytes} bytes; the classic client receives at most ${CLASSIC_MAX_FRAME_BYTES} bytes of JPEG per datagram`,
        slice.index
      )
    case "TooLargeForDatagram":
      return mediaProblem(
        "TooLargeForDatagram",
        slice.offset,
        `${bytes} bytes; one UDP datagram carries at most ${MAX_DATAGRAM_FRAME_BYTES} bytes of JPEG`,
        slice.index
      )
    case "Fits":
      return undefined
  }
}

const frameBytesOf = (frames: ReadonlyArray<FrameSlice>): FrameBytes => {
  if (frames.length === 0) return { min: 0, avg: 0, max: 0 }
  let min = Number.POSITIVE_INFINITY
  let max = 0
  let total = 0
  for (const { jpeg } of frames) {
    min = Math.min(min, jpeg.length)
    max = Math.max(max, jpeg.length)
    total += jpeg.length
  }
  return { min, avg: Math.round(total / frames.length), max }
}

export const analyzeMjpeg = (buf: Buffer, options: AnalyzeOptions): MjpegAnalysis => {
  const container = options.container ?? detectContainer(buf) ?? "raw"
  const split = splitMjpeg(buf, container)
  const problems: Array<MediaProblem> = [...split.problems]
  const rfc2435Frames: Array<Rfc2435Frame> = []
  let reference: ParsedFrame | undefined

  for (const slice of split.frames) {
    const outcome = parseFrame(buf, slice)
    if ("code" in outcome) {
      problems.push(outcome)
      continue
    }
    const { parsed, view } = outcome
    const { frame } = parsed.info
    reference ??= parsed
    Either.match(toRfc2435Frame(view, parsed.info), {
      onLeft: (rfcProblems) => {
        for (const p of rfcProblems) problems.push(mediaProblem(p.code, slice.offset, p.message, slice.index))
      },
      onRight: (rfcFrame) => {
        rfc2435Frames.push(rfcFrame)
      }
    })
    const ref = reference.info.frame
    if (frame.width !== ref.width || frame.height !== ref.height) {
      problems.push(mediaProblem(
        "InconsistentDimensions",
        slice.offset,
        `${frame.width}x${frame.height}, but frame ${reference.slice.index} is ${ref.width}x${ref.height}; every frame must have the same size`,
        slice.index
      ))
    }
    const tooLarge = sizeProblem(slice)
    if (tooLarge) problems.push(tooLarge)
  }

  // Stable: the splitter's problems and each frame's problems fall into file order.
  problems.sort((a, b) => a.offset - b.offset)
  if (split.frames.length === 0) {
    problems.push(mediaProblem("Empty", 0, buf.length === 0 ? "the file is empty" : "the file holds no frames"))
  }

  const commentFps = reference ? fpsFromComments(reference.info.comments) : undefined
  const [fps, fpsSource] = isUsableFps(options.fps)
    ? [options.fps, "option" as const]
    : commentFps !== undefined
      ? [commentFps, "comment" as const]
      : [DEFAULT_FPS, "default" as const]

  const servableIn = (dialect: Dialect): boolean =>
    split.frames.length > 0 && !problems.some((p) => affectsDialect(p, dialect))
  const standardServable = servableIn("standard")
  const refFrame = reference?.info.frame

  const analysis: MjpegAnalysis = {
    fileName: options.fileName,
    container,
    frames: split.frames,
    width: refFrame?.width ?? 0,
    height: refFrame?.height ?? 0,
    sampling: refFrame ? describeSampling(refFrame) : "",
    fps,
    fpsSource,
    durationSeconds: split.frames.length / fps,
    frameBytes: frameBytesOf(split.frames),
    problems,
    standard: { servable: standardServable },
    classic: { servable: servableIn("classic") }
  }
  return standardServable ? { ...analysis, rfc2435Frames } : analysis
}
