/**
 * The suite's authentication checks: all pass against our server with a users file, each fails
 * with what came back against a lax server that lets in every answer, and without credentials
 * they are not part of the report at all.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { runConformance } from "../../../harness/conformance/index.js"
import { AUTH_CHECKS } from "../../../harness/conformance/authChecks.js"
import type { ConformanceReport } from "../../../harness/conformance/types.js"
import { getHeader } from "../../../src/protocol/rtsp/message.js"
import { fakeRtspServer, mjpegDescribeReply } from "../../support/fakeRtspServer.js"
import { startTestServer, type TestServer } from "../../support/testServer.js"
import { writeUsersFile } from "../../support/usersFile.js"

const AUTH_IDS = AUTH_CHECKS.map((c) => c.id)
const statuses = (report: ConformanceReport) =>
  Object.fromEntries(report.checks.filter((c) => c.id.startsWith("auth-")).map((c) => [c.id, c.status]))

let server: TestServer

beforeAll(async () => {
  const usersFile = await writeUsersFile({ alice: { password: "wonderland" } }, [{ paths: ["**"], users: ["alice"], allow: ["read"] }])
  server = await startTestServer({ usersFile, nonceLifetimeSeconds: 1, authBackoff: { freeFailures: 1000, baseMillis: 1, maxMillis: 1 } })
})
afterAll(() => server.close())

describe("conformance: the auth checks", () => {
  it.live("all pass against our server, the stale one after waiting out its nonce lifetime", () =>
    Effect.gen(function* () {
      const report = yield* runConformance(server.url(), { username: "alice", password: "wonderland", staleAfterSeconds: 1.3, transport: "tcp", playSeconds: 0.5 })
      expect(statuses(report)).toEqual(Object.fromEntries(AUTH_IDS.map((id) => [id, "PASS"])))
      expect(report.checks.find((c) => c.id === "auth-challenge")?.actual).toBe("401, Digest SHA-256 qop=auth")
      // The suite's other checks ran logged in.
      expect(report.checks.find((c) => c.id === "describe")?.status).toBe("PASS")
    }))

  it.live("without --stale-after the stale check says what it needs; without credentials there are no auth checks", () =>
    Effect.gen(function* () {
      const report = yield* runConformance(server.url(), { username: "alice", password: "wonderland", transport: "tcp", playSeconds: 0.3 })
      const stale = report.checks.find((c) => c.id === "auth-stale-nonce")
      expect(stale).toMatchObject({ status: "SKIP" })
      expect(stale?.actual).toContain("--stale-after")
      const anonymous = yield* runConformance(server.url(), { transport: "tcp", playSeconds: 0.3, timeoutMs: 1000 })
      expect(anonymous.checks.some((c) => c.id.startsWith("auth-"))).toBe(false)
      expect(anonymous.checks.find((c) => c.id === "describe")?.actual).toContain("401")
    }))

  it.scopedLive("a lax server that lets every answer in fails each refusal check with what it answered", () =>
    Effect.gen(function* () {
      const challenge = 'WWW-Authenticate: Digest realm="cam", nonce="abc123", qop="auth"'
      const port = yield* fakeRtspServer((request) => {
        if (request.method === "OPTIONS") return { status: 200, headers: ["Public: OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN"] }
        if (request.method !== "DESCRIBE") return { status: 454 }
        return getHeader(request.headers, "Authorization") === undefined ? { status: 401, headers: [challenge] } : mjpegDescribeReply(request.uri)
      })
      const report = yield* runConformance(`rtsp://127.0.0.1:${port}/cam`, { username: "u", password: "p", staleAfterSeconds: 0.05, timeoutMs: 500, playSeconds: 0.2 })
      expect(statuses(report)).toEqual({
        "auth-challenge": "PASS",
        "auth-login": "PASS",
        "auth-wrong-password": "FAIL",
        "auth-replay": "FAIL",
        "auth-stale-nonce": "FAIL",
        "auth-wrong-realm": "FAIL",
        "auth-wrong-uri": "FAIL"
      })
      expect(report.checks.find((c) => c.id === "auth-wrong-password")?.actual).toBe("200 OK: let in")
      expect(report.checks.find((c) => c.id === "auth-challenge")?.actual).toBe("401, Digest MD5 qop=auth")
    }))
})
