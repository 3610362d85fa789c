import { describe, expect, it } from "@effect/vitest"
import { type ClientVerdictInput, evaluateExpectations } from "../../../harness/run/expectations.js"
import type { SessionMetrics } from "../../../harness/run/sessionMetrics.js"

const metrics = (over: Partial<SessionMetrics>): SessionMetrics => ({
  transport: "udp", framesReceived: 100, framesDropped: 0, droppedByReason: {}, packetsReceived: 750, packetsLost: 0, duplicates: 0, reordered: 0, strayPackets: 0,
  lossPct: 0, fps: 20, jitterMs: 0.5, startupMs: 10, bitrateKbps: 1500, timestampsConsistent: true, senderReports: 1, receiverReportsSent: 1,
  byeReceived: false, rtspMs: {}, ...over
})
const client = (index: number, over: Partial<ClientVerdictInput> = {}, m: Partial<SessionMetrics> = {}): ClientVerdictInput => ({
  index, ok: true, metrics: metrics(m), requests: [{ method: "PLAY", status: 200, elapsedMs: 1 }], statusSteps: [], ...over
})

describe("evaluateExpectations", () => {
  it("every bound is judged on the worst client, named in the actual value", () => {
    const checks = evaluateExpectations(
      { fpsMin: 19, lossMaxPct: 1, jitterMaxMs: 5, startupMaxMs: 100, frames: { min: 90, max: 110 } },
      [client(0), client(1, {}, { fps: 18.5, lossPct: 2, jitterMs: 7, startupMs: 150, framesReceived: 80 })]
    )
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]))
    expect(byName["clients completed their steps"]).toMatchObject({ ok: true, actual: "2 of 2" })
    expect(byName["fps"]).toMatchObject({ ok: false, expected: ">= 19 fps for every client", actual: "18.5 fps (worst: client 1)" })
    expect(byName["loss"]).toMatchObject({ ok: false, actual: "2 % (worst: client 1)" })
    expect(byName["jitter"]).toMatchObject({ ok: false, actual: "7 ms (worst: client 1)" })
    expect(byName["start-up"]).toMatchObject({ ok: false, actual: "150 ms (worst: client 1)" })
    expect(byName["frames (min)"]).toMatchObject({ ok: false, actual: "80 (worst: client 1)" })
    expect(byName["frames (max)"]).toMatchObject({ ok: true, actual: "100 (worst: client 0)" })
  })

  it("a failed client fails the run with its reason; a metric nobody measured fails as not measured", () => {
    const { startupMs: _, ...withoutStartup } = metrics({})
    const checks = evaluateExpectations({ startupMaxMs: 100 }, [
      { ...client(0, { ok: false, failureReason: "SETUP answered 454 Session Not Found" }), metrics: withoutStartup }
    ])
    expect(checks[0]).toMatchObject({ ok: false, actual: "0 of 1; failed: SETUP answered 454 Session Not Found" })
    expect(checks[1]).toMatchObject({ name: "start-up", ok: false, actual: "not measured (no client reported it)" })
  })

  it("statuses hold for every reply to the method; expect-status steps report mismatches", () => {
    const checks = evaluateExpectations({ statuses: { PLAY: 200, OPTIONS: 200 } }, [
      client(0, { requests: [{ method: "PLAY", status: 200, elapsedMs: 1 }, { method: "PLAY", status: 455, elapsedMs: 1 }, { method: "PLAY", status: 455, elapsedMs: 1, raw: true }], statusSteps: [{ step: 2, method: "PAUSE", expected: 455, actual: 200 }] })
    ])
    expect(checks).toContainEqual({ name: "steps[2] PAUSE status (client 0)", ok: false, expected: "455", actual: "200" })
    expect(checks).toContainEqual({ name: "PLAY status", ok: false, expected: "200 on every reply", actual: "200 x1, 455 x1" })
    expect(checks).toContainEqual({ name: "OPTIONS status", ok: false, expected: "200 on every reply", actual: "no OPTIONS was sent" })
    const passing = evaluateExpectations(undefined, [client(0, { statusSteps: [{ step: 1, method: "FROB", expected: 501, actual: 501 }] })])
    expect(passing).toContainEqual({ name: "expect-status steps", ok: true, expected: "each status as scripted", actual: "1 of 1 as scripted" })
  })
})
