/** The conformance suite: `runConformance(url, options)` and its table view. */
export { CHECKS, type CheckId } from "./catalog.js"
export { formatConformanceTable } from "./format.js"
export { DEFAULT_PLAY_SECONDS, runConformance } from "./runConformance.js"
export type { CheckResult, CheckStatus, ConformanceOptions, ConformanceReport } from "./types.js"
