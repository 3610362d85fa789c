export {
  analyzeMjpeg,
  type AnalyzeOptions,
  DEFAULT_FPS,
  describeSampling,
  type DialectVerdict,
  FPS_COMMENT_PREFIX,
  fpsFromComments,
  type FrameBytes,
  type MjpegAnalysis,
  type Sampling
} from "./analyze.js"
export {
  detectContainer,
  encodeLabMjpeg,
  type FrameSlice,
  LAB_MAX_FRAME_BYTES,
  LAB_PREFIX_BYTES,
  type MjpegContainer,
  splitMjpeg,
  type SplitResult
} from "./container.js"
export {
  type LoadMjpegOptions,
  loadMjpegFile,
  MediaError,
  type MediaErrorReason,
  type MjpegFile,
  requireServable
} from "./MjpegFile.js"
export {
  affectsDialect,
  type Dialect,
  formatProblem,
  formatProblems,
  type FormatProblemsOptions,
  type MediaProblem,
  mediaProblem,
  type MediaProblemCode,
  problemsFor,
  type ProblemScope,
  scopeOf
} from "./problems.js"
