/**
 * The score rule: one point per check, score = checks passed / checks run (always all of them).
 * No weights: each check is one thing the unchanged lab client needs, and each fault a student can
 * make fails exactly one check, so a weight would only say that one of the client's needs matters
 * more than another. A check that could not run because an earlier step failed counts as failed
 * (it says why), so a server that never streams cannot collect the stream checks' points.
 */
import type { CheckResult } from "../types.js"
import type { ClassicScore } from "./types.js"

export const scoreOf = (checks: ReadonlyArray<CheckResult>): ClassicScore => {
  const passed = checks.filter((c) => c.status === "PASS").length
  const total = checks.length
  return { passed, total, percent: total === 0 ? 0 : Math.round((passed / total) * 100) }
}

export const isFullScore = (score: ClassicScore): boolean => score.total > 0 && score.passed === score.total

export const showScore = (score: ClassicScore): string => `${score.passed}/${score.total}`
