/**
 * The human view of a report: one row per check (result, check, expected, actual), long cells
 * wrapped within their column, details on an indented line under their row, a summary at the end.
 */
import type { CheckResult, ConformanceReport } from "./types.js"

const EXPECTED_WIDTH = 40
const ACTUAL_WIDTH = 56

/** Splits `text` into lines of at most `width` characters, at spaces where it can. */
export const wrap = (text: string, width: number): Array<string> => {
  const lines: Array<string> = []
  for (const paragraph of text.split("\n")) {
    let line = ""
    for (const word of paragraph.split(/\s+/).filter((w) => w !== "")) {
      let rest = word
      while (rest.length > width) {
        if (line !== "") {
          lines.push(line)
          line = ""
        }
        lines.push(rest.slice(0, width))
        rest = rest.slice(width)
      }
      if (line === "") line = rest
      else if (line.length + 1 + rest.length <= width) line = `${line} ${rest}`
      else {
        lines.push(line)
        line = rest
      }
    }
    lines.push(line)
  }
  return lines
}

/** Cells side by side, each a list of lines, padded to their column's width (the last is not). */
export const row = (cells: ReadonlyArray<ReadonlyArray<string>>, widths: ReadonlyArray<number>): Array<string> => {
  const height = Math.max(...cells.map((c) => c.length))
  const out: Array<string> = []
  for (let i = 0; i < height; i++) {
    out.push(cells.map((c, k) => (k === cells.length - 1 ? (c[i] ?? "") : (c[i] ?? "").padEnd(widths[k]!))).join("  ").trimEnd())
  }
  return out
}

/** The checks as a table: a header, then a row per check (result, check, expected, actual) with its note under it. */
export const checkTable = (checks: ReadonlyArray<CheckResult>): Array<string> => {
  const nameWidth = Math.max(5, ...checks.map((c) => c.name.length))
  const widths = [6, nameWidth, EXPECTED_WIDTH, ACTUAL_WIDTH]
  const lines = [...row([["RESULT"], ["CHECK"], ["EXPECTED"], ["ACTUAL"]], widths), widths.map((w) => "-".repeat(w)).join("  ")]
  for (const check of checks) {
    lines.push(...row([[check.status], [check.name], wrap(check.expected, EXPECTED_WIDTH), wrap(check.actual, ACTUAL_WIDTH)], widths))
    if (check.detail !== undefined) lines.push(...wrap(check.detail, nameWidth + EXPECTED_WIDTH + ACTUAL_WIDTH).map((l) => `${" ".repeat(8)}note: ${l}`))
  }
  return lines
}

export const formatConformanceTable = (report: ConformanceReport): string => {
  const lines: Array<string> = [`Conformance of ${report.url}`, "", ...checkTable(report.checks)]
  lines.push("")
  const verdict = report.ok ? "conformant" : "NOT conformant"
  lines.push(`${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped: ${verdict}`)
  return lines.join("\n")
}
