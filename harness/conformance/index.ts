/** The conformance suite: `runConformance(url, options)` and its table view; the classic-lab grader. */
export { CHECKS, type CheckId } from "./catalog.js"
export * from "./classic/index.js"
export { formatConformanceTable } from "./format.js"
export { DEFAULT_PLAY_SECONDS, runConformance } from "./runConformance.js"
export type { CheckResult, CheckStatus, ConformanceOptions, ConformanceReport } from "./types.js"
