/**
 * `run` with impairments, on real sockets: a scenario whose clients name their own impairment
 * (one bursty, one left alone) passes the recovery expectation "back to 19 fps within 2 s", and
 * one whose stream freezes for good fails it, named, with expected and actual. A server without
 * a record (GET_PARAMETER refused, or answered in another type) is said to offer none, and the
 * client still succeeds.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { getHeader } from "../../../src/protocol/rtsp/message.js"
import { runScenario } from "../../../harness/run/runScenario.js"
import type { Scenario } from "../../../harness/scenario/schema.js"
import { type FakeReply, fakeRtspServer, mjpegDescribeReply } from "../../support/fakeRtspServer.js"
import { startTestServer, type TestServer } from "../../support/testServer.js"

// The sample at its own 20 fps: "19 fps" means one frame short in a second.
let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server.close()
})

const PLAY_4S: Scenario["steps"] = [{ step: "describe" }, { step: "setup" }, { step: "play" }, { step: "wait", duration: 4000 }, { step: "teardown" }]
const RECOVERY = { recovery: { fpsMin: 19, within: 2000 } }

const scenarioOf = (impair: Scenario["impair"], clients: number, url = server.url()): Scenario => ({
  name: "impaired",
  url,
  transport: "udp",
  dialect: "standard",
  clients,
  rampUp: 0,
  steps: PLAY_4S,
  ...(impair === undefined ? {} : { impair }),
  expect: RECOVERY
})

describe("recovery after impairments", () => {
  it("a burst profile recovers within 2 s, a frozen stream never does: the check says which, expected and actual", async () => {
    const [bursty, frozen] = await Effect.runPromise(Effect.all([
      // Seed 1 breaks 9 frames in 4 s, a frame or two at a time.
      runScenario(scenarioOf(["impair=bursty&seed=1", "none"], 2)),
      runScenario(scenarioOf("freeze-after=1s", 1))
    ], { concurrency: "unbounded" }))

    const recovered = bursty.checks.find((c) => c.name === "recovery")
    expect(recovered).toMatchObject({ ok: true, expected: "back to >= 19 fps (frames in 1 s) within 2 s of each drop for every client" })
    // The longest drop: one that ended, or one still short of 2 s when playing stopped (too soon to fail).
    expect(recovered?.actual).toMatch(/^(longest drop below 19 fps: [01]\.\d\d s, from \d\.\d\d s to \d\.\d\d s|below 19 fps from \d\.\d\d s until playing stopped at \d\.\d\d s \([01]\.\d\d s\), not back) \(worst: client 0\)$/)
    // Each client got the impairment it named: the record says so, and agrees with the harness.
    const [impaired, clean] = bursty.clients
    expect(impaired?.recovery?.drops).toBeGreaterThan(0)
    expect(impaired?.recovery?.longest?.ms).toBeLessThan(2000)
    const impairedCheck = impaired?.impairmentChecks?.[0]
    expect(impairedCheck?.serverRecord).toMatchObject({ offered: true, stats: { profile: "bursty", seed: 1 } })
    expect(impairedCheck?.agreement?.exact).toBe(true)
    expect(clean?.impairmentChecks?.[0]).toMatchObject({ serverRecord: { offered: true, stats: { profile: "none" } } })
    expect(clean?.impairmentChecks?.[0]?.agreement).toBeUndefined()
    expect(bursty.ok).toBe(true)

    const never = frozen.checks.find((c) => c.name === "recovery")
    expect(never).toMatchObject({ name: "recovery", ok: false, expected: "back to >= 19 fps (frames in 1 s) within 2 s of each drop" })
    expect(never?.actual).toMatch(/^below 19 fps from 1\.\d\d s until playing stopped at 4\.\d\d s \(2\.\d\d s\), not back$/)
    expect(frozen.ok).toBe(false)
    // The freeze is the server's doing, on record: every packet after it dropped for that reason, and none arrived.
    const freezeCheck = frozen.clients[0]?.impairmentChecks?.[0]
    expect(freezeCheck?.serverRecord.offered === true ? freezeCheck.serverRecord.stats.record.dropped.freeze : 0).toBeGreaterThan(300)
    expect(freezeCheck?.agreement?.exact).toBe(true)
  }, 30_000)
})

/** A server of one MJPEG track over TCP that sends nothing, and answers GET_PARAMETER as told. */
const serverAnsweringStats = (reply: FakeReply) =>
  fakeRtspServer((request) => {
    switch (request.method) {
      case "DESCRIBE":
        return mjpegDescribeReply(request.uri)
      case "SETUP":
        return { status: 200, headers: ["Transport: RTP/AVP/TCP;unicast;interleaved=0-1", "Session: 4242;timeout=60"] }
      case "GET_PARAMETER":
        // A keep-alive has no body; only the stats question gets the scripted answer.
        return getHeader(request.headers, "Content-Length") === undefined ? { status: 200, headers: ["Session: 4242"] } : reply
      default:
        return { status: 200, headers: ["Session: 4242"] }
    }
  })

describe("a server without a record", () => {
  it.each([
    [{ status: 451, headers: ["Session: 4242"] }, "GET_PARAMETER impairment-stats answered 451 Parameter Not Understood"],
    [{ status: 200, headers: ["Session: 4242", "Content-Type: text/plain"], body: "fine\r\n" }, "is text/plain, not text/parameters"],
    [{ status: 200, headers: ["Session: 4242", "Content-Type: text/parameters"], body: "hello: world\r\n" }, "unreadable record: impairment-stats:"]
  ])("%j: not offered, and the client still succeeds", async (reply, reason) => {
    const result = await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const port = yield* serverAnsweringStats(reply)
      return yield* runScenario({
        ...scenarioOf(undefined, 1, `rtsp://127.0.0.1:${port}/movie.Mjpeg`),
        transport: "tcp",
        steps: [{ step: "describe" }, { step: "setup" }, { step: "play" }, { step: "wait", duration: 200 }, { step: "teardown" }],
        expect: {}
      })
    })))
    const client = result.clients[0]
    expect(client?.ok).toBe(true)
    expect(client?.impairmentChecks).toHaveLength(1)
    const check = client?.impairmentChecks?.[0]
    expect(check?.serverRecord.offered).toBe(false)
    expect(check?.serverRecord.offered === false ? check.serverRecord.reason : "").toContain(reason)
    expect(check?.agreement).toBeUndefined()
    // Nothing was paused for a record that is not there.
    expect(client?.requests.map((r) => r.method)).toEqual(["DESCRIBE", "SETUP", "PLAY", "GET_PARAMETER", "TEARDOWN"])
    expect(result.ok).toBe(true)
  }, 15_000)
})
