/**
 * The classic-lab grader against our own server's classic dialect: full score, every check PASS
 * with what it saw, and the table and JSON views of it.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { CLASSIC_CHECKS, formatClassicGrade, runClassicGrade } from "../../../../harness/conformance/index.js"
import { startTestServer, type TestServer } from "../../../support/testServer.js"

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server.close()
})

describe("the classic grader against our server", () => {
  it.live("gives full score, each check passing with what it saw", () =>
    Effect.gen(function* () {
      const report = yield* runClassicGrade(server.url(), { playSeconds: 1.5, timeoutMs: 4000 })
      const notPassed = report.checks.filter((c) => c.status !== "PASS").map((c) => `${c.id}: expected ${c.expected}, actual ${c.actual}`)
      expect(notPassed).toEqual([])
      expect(report.checks.map((c) => c.id)).toEqual(CLASSIC_CHECKS.map((c) => c.id))
      expect(report).toMatchObject({ dialect: "classic", ok: true, fps: 20, score: { passed: CLASSIC_CHECKS.length, total: CLASSIC_CHECKS.length, percent: 100 } })
      const byId = new Map(report.checks.map((c) => [c.id, c]))
      expect(byId.get("session-id")?.actual).toMatch(/^Session [1-9]\d{5} on all 5 replies$/)
      expect(byId.get("rtp-sequence")?.actual).toMatch(/^1\.\.\d+ on the first PLAY, \d+\.\.\d+ after the resume$/)
      expect(report.measurements?.datagrams).toBeGreaterThanOrEqual(20)
      const table = formatClassicGrade(report)
      for (const check of CLASSIC_CHECKS) expect(table).toContain(check.name)
      expect(table).toContain(`Score: ${CLASSIC_CHECKS.length}/${CLASSIC_CHECKS.length} (100%), full score`)
    }), 30_000)
})
