/**
 * The whole suite against our own server, over both transports: every check passes (the
 * end-of-stream BYE too, with waitForEnd), and the table shows them all.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { CHECKS, formatConformanceTable, runConformance } from "../../../harness/conformance/index.js"
import type { ConformanceReport } from "../../../harness/conformance/types.js"
import { startTestServer, type TestServer } from "../../support/testServer.js"

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server.close()
})

const notPassed = (report: ConformanceReport) =>
  report.checks.filter((c) => c.status !== "PASS").map((c) => `${c.id}: ${c.status} expected ${c.expected}, actual ${c.actual}`)

describe("conformance against our server", () => {
  for (const transport of ["udp", "tcp"] as const) {
    it.live(`every check passes over ${transport}`, () =>
      Effect.gen(function* () {
        const report = yield* runConformance(server.url(), { transport, waitForEnd: true, timeoutMs: 4000 })
        expect(notPassed(report)).toEqual([])
        expect(report.checks.map((c) => c.id)).toEqual(CHECKS.map((c) => c.id))
        expect(report).toMatchObject({ ok: true, failed: 0, skipped: 0, passed: CHECKS.length })
        const table = formatConformanceTable(report)
        for (const check of CHECKS) expect(table).toContain(check.name)
        expect(table).toContain(`${CHECKS.length} passed, 0 failed, 0 skipped`)
      }), 60_000)
  }

  it.live("without waitForEnd the end-of-stream BYE is skipped, saying why, and the report is still ok", () =>
    Effect.gen(function* () {
      const started = performance.now()
      const report = yield* runConformance(server.url(), { transport: "tcp", playSeconds: 1 })
      const byeEnd = report.checks.find((c) => c.id === "bye-end")
      expect(byeEnd?.status).toBe("SKIP")
      expect(byeEnd?.actual).toContain("waitForEnd")
      expect(notPassed(report)).toEqual([expect.stringContaining("bye-end: SKIP")])
      expect(report).toMatchObject({ ok: true, failed: 0, skipped: 1 })
      // Loose: the suite is meant to take seconds, not tens of seconds.
      expect(performance.now() - started).toBeLessThan(20_000)
    }), 60_000)
})
