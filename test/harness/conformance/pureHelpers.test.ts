/**
 * The table view, the report summary, and the small pure helpers of the checks.
 */
import { describe, expect, it } from "@effect/vitest"
import { formatConformanceTable, wrap } from "../../../harness/conformance/format.js"
import { otherSessionId } from "../../../harness/conformance/requestChecks.js"
import { summarize } from "../../../harness/conformance/runConformance.js"
import { sessionTimeoutOutcome } from "../../../harness/conformance/sessionFlow.js"
import type { CheckResult } from "../../../harness/conformance/types.js"

const result = (id: string, status: CheckResult["status"], expected: string, actual: string, detail?: string): CheckResult => ({
  id, name: `check ${id}`, status, expected, actual, elapsedMs: 1, ...(detail === undefined ? {} : { detail })
})

describe("wrap", () => {
  it("breaks at spaces within the width, and splits a word longer than it", () => {
    expect(wrap("one two three four", 9)).toEqual(["one two", "three", "four"])
    expect(wrap("abcdefghij kl", 4)).toEqual(["abcd", "efgh", "ij", "kl"])
    expect(wrap("", 10)).toEqual([""])
  })
})

describe("formatConformanceTable", () => {
  const report = summarize("rtsp://h/m", [
    result("a", "PASS", "200", "200 OK"),
    result("b", "FAIL", "455 Method Not Valid in This State", `400 Bad Request ${"and a long explanation ".repeat(4)}`, "a note"),
    result("c", "SKIP", "200", "no session: SETUP failed")
  ])

  it("counts, and is ok only without a FAIL", () => {
    expect(report).toMatchObject({ passed: 1, failed: 1, skipped: 1, ok: false })
    expect(summarize("u", [result("a", "PASS", "", ""), result("c", "SKIP", "", "")]).ok).toBe(true)
  })

  it("aligns the columns, wraps long cells under their column, and ends with the summary", () => {
    const lines = formatConformanceTable(report).split("\n")
    expect(lines[0]).toBe("Conformance of rtsp://h/m")
    const header = lines.find((l) => l.startsWith("RESULT"))!
    const actualColumn = header.indexOf("ACTUAL")
    const expectedColumn = header.indexOf("EXPECTED")
    const failRow = lines.findIndex((l) => l.startsWith("FAIL"))
    expect(lines[failRow]!.indexOf("400 Bad Request")).toBe(actualColumn)
    expect(lines[failRow]!.indexOf("455 Method")).toBe(expectedColumn)
    // The actual value went on over the next line, in its own column.
    expect(lines[failRow + 1]!.slice(0, actualColumn).trim()).toBe("")
    expect(lines[failRow + 1]!.slice(actualColumn)).toMatch(/^\S/)
    expect(lines.some((l) => l.trim() === "note: a note")).toBe(true)
    expect(lines.some((l) => l.startsWith("SKIP    check c"))).toBe(true)
    expect(lines[lines.length - 1]).toBe("1 passed, 1 failed, 1 skipped: NOT conformant")
  })
})

describe("otherSessionId", () => {
  it.each([
    ["CB5F8BA01C25803239EC735BD6B3B4C9", "DC609CB12D3691434AFD846CE7C4C5DA"],
    ["0af9", "1b0a"],
    ["724553", "835664"],
    ["abc-Zz9", "bcd-Aa0"],
    ["$$", "$$0"]
  ])("%s -> %s: same shape, another value", (id, other) => {
    expect(otherSessionId(id)).toBe(other)
  })
})

describe("sessionTimeoutOutcome", () => {
  it("passes an advertised timeout, and an absent one (RFC 2326's 60 s), and fails 0", () => {
    expect(sessionTimeoutOutcome(60)).toMatchObject({ status: "PASS", actual: "timeout=60" })
    expect(sessionTimeoutOutcome(undefined)).toMatchObject({ status: "PASS", actual: "no timeout parameter: the RFC 2326 default of 60 s applies" })
    expect(sessionTimeoutOutcome(0)).toMatchObject({ status: "FAIL", actual: "timeout=0: no keep-alive interval can honour it" })
  })
})
