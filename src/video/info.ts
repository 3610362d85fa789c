/**
 * `video info`: what an MJPEG file holds and whether each dialect can serve
 * it. The exit status is the verdict: 0 when both dialects can serve the file,
 * 1 when only one can, 2 when neither can (or the file cannot be read as MJPEG).
 */
import type { MjpegAnalysis } from "../media/analyze.js"
import type { MediaError } from "../media/MjpegFile.js"
import { formatProblems, type MediaProblem, problemsFor } from "../media/problems.js"

/** Lines per problem code in the text report before the rest are summed up; JSON lists all. */
export const MAX_PROBLEM_LINES_PER_CODE = 10

export const verdictExitCode = (verdict: { readonly standard: boolean; readonly classic: boolean }): 0 | 1 | 2 =>
  verdict.standard && verdict.classic ? 0 : verdict.standard || verdict.classic ? 1 : 2

export const analysisExitCode = (analysis: MjpegAnalysis): 0 | 1 | 2 =>
  verdictExitCode({ standard: analysis.standard.servable, classic: analysis.classic.servable })

const grouped = (n: number): string => n.toLocaleString("en-US")

const containerName = (analysis: MjpegAnalysis): string =>
  analysis.container === "lab" ? "lab .Mjpeg (5-digit length before each frame)" : "raw MJPEG (concatenated JPEGs)"

const fpsSourceName: Record<MjpegAnalysis["fpsSource"], string> = {
  option: "from --fps",
  comment: "from the file",
  default: "default; the file does not say"
}

const verdictLine = (label: string, servable: boolean, problems: number): string =>
  `${label}${servable ? "servable" : `NOT servable (${problems} problem${problems === 1 ? "" : "s"})`}`

/** The human-readable report, one string per line. */
export const infoText = (analysis: MjpegAnalysis, path: string): ReadonlyArray<string> => {
  const { frameBytes } = analysis
  const standardProblems = problemsFor(analysis.problems, "standard").length
  const classicProblems = problemsFor(analysis.problems, "classic").length
  const lines = [
    `file:        ${path}`,
    `container:   ${containerName(analysis)}`,
    `frames:      ${analysis.frames.length}`,
    `resolution:  ${analysis.width}x${analysis.height}`,
    `sampling:    ${analysis.sampling === "" ? "unknown" : analysis.sampling}`,
    `frame rate:  ${analysis.fps} fps (${fpsSourceName[analysis.fpsSource]})`,
    `duration:    ${analysis.durationSeconds.toFixed(2)} s`,
    `frame bytes: min ${grouped(frameBytes.min)}, avg ${grouped(frameBytes.avg)}, max ${grouped(frameBytes.max)}`,
    verdictLine("standard dialect (RTSP, RFC 2435): ", analysis.standard.servable, standardProblems),
    verdictLine("classic dialect (lab client):      ", analysis.classic.servable, classicProblems)
  ]
  if (analysis.problems.length > 0) {
    lines.push(
      `problems (${analysis.problems.length}):`,
      ...formatProblems(analysis.fileName, analysis.problems, { maxPerCode: MAX_PROBLEM_LINES_PER_CODE }).map((l) => `  ${l}`)
    )
  }
  return lines
}

export interface InfoProblemJson {
  readonly code: string
  readonly frameIndex: number | null
  readonly offset: number
  readonly message: string
  readonly affects: MediaProblem["affects"]
}

export interface InfoJson {
  readonly file: string
  readonly container: string | null
  readonly frames: number
  readonly width: number
  readonly height: number
  readonly sampling: string
  readonly fps: number
  readonly fpsSource: string
  readonly durationSeconds: number
  readonly frameBytes: { readonly min: number; readonly avg: number; readonly max: number }
  readonly standard: { readonly servable: boolean; readonly problems: number }
  readonly classic: { readonly servable: boolean; readonly problems: number }
  readonly problems: ReadonlyArray<InfoProblemJson>
  readonly exitCode: 0 | 1 | 2
  /** Only when the file could not be read as MJPEG at all. */
  readonly error?: { readonly reason: string; readonly message: string }
}

/** The machine-readable report: every problem, nothing collapsed. */
export const infoJson = (analysis: MjpegAnalysis, path: string): InfoJson => ({
  file: path,
  container: analysis.container,
  frames: analysis.frames.length,
  width: analysis.width,
  height: analysis.height,
  sampling: analysis.sampling,
  fps: analysis.fps,
  fpsSource: analysis.fpsSource,
  durationSeconds: analysis.durationSeconds,
  frameBytes: analysis.frameBytes,
  standard: { servable: analysis.standard.servable, problems: problemsFor(analysis.problems, "standard").length },
  classic: { servable: analysis.classic.servable, problems: problemsFor(analysis.problems, "classic").length },
  problems: analysis.problems.map((p) => ({
    code: p.code,
    frameIndex: p.frameIndex ?? null,
    offset: p.offset,
    message: p.message,
    affects: p.affects
  })),
  exitCode: analysisExitCode(analysis)
})

/** The JSON report of a file that could not be read as MJPEG: servable in neither dialect. */
export const infoErrorJson = (error: MediaError, path: string): InfoJson => ({
  file: path,
  container: null,
  frames: 0,
  width: 0,
  height: 0,
  sampling: "",
  fps: 0,
  fpsSource: "default",
  durationSeconds: 0,
  frameBytes: { min: 0, avg: 0, max: 0 },
  standard: { servable: false, problems: 0 },
  classic: { servable: false, problems: 0 },
  problems: [],
  exitCode: 2,
  error: { reason: error.reason, message: error.message }
})
