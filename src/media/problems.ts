/**
 * What can be wrong with an MJPEG file, one value per problem found, each
 * pinned to a frame and an exact byte offset in the file. The list is always
 * complete; only the formatter may collapse repeats, for people to read.
 */
import type { Rfc2435ProblemCode } from "../protocol/jpeg/rfc2435Frame.js"
import type { Dialect } from "../protocol/rtsp/vocabulary.js"

export type MediaProblemCode =
  // The file as a whole or its container.
  | "Empty"
  | "BadLengthPrefix"
  | "PartialLengthPrefix"
  | "TruncatedFrame"
  | "NotJpeg"
  | "BadJpeg"
  | "InconsistentDimensions"
  // RFC 2435 rules (standard dialect only).
  | Rfc2435ProblemCode
  // Whole-frame datagrams (classic dialect only).
  | "TooLargeForClassic"
  | "TooLargeForDatagram"
  // Writing the lab format.
  | "FrameTooLargeForLabFormat"

/** Which dialect a problem stops from serving the file. */
export type ProblemScope = "both" | Dialect

export type { Dialect }

export interface MediaProblem {
  readonly code: MediaProblemCode
  /**
   * 0-based ordinal of the frame in the file, counting frames that could not
   * be delimited too (absent for problems of the whole file, such as Empty,
   * or bytes between frames).
   */
  readonly frameIndex?: number
  /**
   * Byte offset in the file: the frame's first byte (its SOI) for problems of
   * a whole frame; the exact place for the others (a length prefix, stray
   * bytes, where the JPEG parser stopped).
   */
  readonly offset: number
  /** What is wrong, without the file name, frame or offset (formatProblem adds those). */
  readonly message: string
  readonly affects: ProblemScope
}

const scopes: { readonly [C in MediaProblemCode]: ProblemScope } = {
  Empty: "both",
  BadLengthPrefix: "both",
  PartialLengthPrefix: "both",
  TruncatedFrame: "both",
  NotJpeg: "both",
  BadJpeg: "both",
  InconsistentDimensions: "both",
  NotBaseline: "standard",
  Precision: "standard",
  ComponentCount: "standard",
  Sampling: "standard",
  Dimensions: "standard",
  QuantTables: "standard",
  HuffmanTables: "standard",
  Scan: "standard",
  // The standard dialect fragments frames, so only whole-frame datagrams care about size.
  TooLargeForClassic: "classic",
  TooLargeForDatagram: "classic",
  FrameTooLargeForLabFormat: "both"
}

export const scopeOf = (code: MediaProblemCode): ProblemScope => scopes[code]

export const mediaProblem = (
  code: MediaProblemCode,
  offset: number,
  message: string,
  frameIndex?: number
): MediaProblem =>
  frameIndex === undefined
    ? { code, offset, message, affects: scopeOf(code) }
    : { code, frameIndex, offset, message, affects: scopeOf(code) }

export const affectsDialect = (problem: MediaProblem, dialect: Dialect): boolean =>
  problem.affects === "both" || problem.affects === dialect

/** The problems that stop `dialect` from serving the file. */
export const problemsFor = (problems: ReadonlyArray<MediaProblem>, dialect: Dialect): ReadonlyArray<MediaProblem> =>
  problems.filter((p) => affectsDialect(p, dialect))

/** `movie.Mjpeg: frame 17 at byte 302114: progressive JPEG; only baseline (SOF0) can be sent` */
export const formatProblem = (fileName: string, problem: MediaProblem): string =>
  problem.frameIndex === undefined
    ? `${fileName}: at byte ${problem.offset}: ${problem.message}`
    : `${fileName}: frame ${problem.frameIndex} at byte ${problem.offset}: ${problem.message}`

export interface FormatProblemsOptions {
  /** Lines shown per problem code before the rest are summed up in one line (default: all). */
  readonly maxPerCode?: number
}

/**
 * One line per problem, in order; with `maxPerCode`, a code seen more often
 * gets one summary line (count and frame range) after its first lines.
 */
export const formatProblems = (
  fileName: string,
  problems: ReadonlyArray<MediaProblem>,
  options: FormatProblemsOptions = {}
): ReadonlyArray<string> => {
  const max = options.maxPerCode ?? Number.POSITIVE_INFINITY
  const shown = new Map<MediaProblemCode, number>()
  const hidden = new Map<MediaProblemCode, Array<MediaProblem>>()
  const lines: Array<string> = []
  for (const problem of problems) {
    const count = shown.get(problem.code) ?? 0
    if (count < max) {
      shown.set(problem.code, count + 1)
      lines.push(formatProblem(fileName, problem))
    } else {
      const rest = hidden.get(problem.code) ?? []
      rest.push(problem)
      hidden.set(problem.code, rest)
    }
  }
  for (const [code, rest] of hidden) {
    const frames = rest.flatMap((p) => (p.frameIndex === undefined ? [] : [p.frameIndex]))
    const first = frames.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY)
    const last = frames.reduce((a, b) => Math.max(a, b), -1)
    const range = frames.length === 0 ? "" : ` (frames ${first} to ${last})`
    lines.push(`${fileName}: ${rest.length} more ${code} problem${rest.length === 1 ? "" : "s"}${range}`)
  }
  return lines
}
