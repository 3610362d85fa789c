/**
 * The grades as text: one server's checks as a table (result, check, expected, actual, long cells
 * wrapped within their column, notes under their row) with the score, and a batch as one table of
 * URL, score and failed checks.
 */
import { checkTable, row, wrap } from "../format.js"
import type { CheckResult } from "../types.js"
import { showScore } from "./score.js"
import type { ClassicBatchReport, ClassicReport } from "./types.js"

const failedIds = (checks: ReadonlyArray<CheckResult>): ReadonlyArray<string> => checks.filter((c) => c.status !== "PASS").map((c) => c.id)

export const formatClassicGrade = (report: ClassicReport): string => {
  const lines: Array<string> = [`Classic lab grade of ${report.url} (pacing judged at ${report.fps} fps)`, "", ...checkTable(report.checks)]
  lines.push("")
  const failed = failedIds(report.checks)
  lines.push(`Score: ${showScore(report.score)} (${report.score.percent}%)${failed.length === 0 ? ", full score" : `; failed: ${failed.join(", ")}`}`)
  return lines.join("\n")
}

const FAILED_WIDTH = 60

/** What a batch row says went wrong: the failed checks, or why nothing could be graded. */
const failureCell = (report: ClassicReport): string => {
  if (report.unreachable !== undefined) return `unreachable: ${report.unreachable}`
  const failed = failedIds(report.checks)
  return failed.length === 0 ? "-" : failed.join(", ")
}

export const formatBatchTable = (batch: ClassicBatchReport): string => {
  const urlWidth = Math.max(3, ...batch.servers.map((s) => s.url.length))
  const widths = [urlWidth, 7, FAILED_WIDTH]
  const lines: Array<string> = [`Classic lab grades: ${batch.servers.length} server${batch.servers.length === 1 ? "" : "s"}`, ""]
  lines.push(...row([["URL"], ["SCORE"], ["FAILED CHECKS"]], widths))
  lines.push(widths.map((w) => "-".repeat(w)).join("  "))
  for (const server of batch.servers) lines.push(...row([[server.url], [showScore(server.score)], wrap(failureCell(server), FAILED_WIDTH)], widths))
  lines.push("")
  lines.push(`${batch.fullScore} of ${batch.servers.length} got full score`)
  return lines.join("\n")
}
