/**
 * `--shard INDEX/COUNT` (0-based, as Kubernetes' JOB_COMPLETION_INDEX) and `--start-at`: one
 * table of texts → shard or message; the shares of a run's clients are each client exactly
 * once, at the start time one run gives it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { startDelayMs } from "../../../harness/run/runScenario.js"
import { clientList, clientsOfShard, parseShardSpec, shardClients } from "../../../harness/run/shardSpec.js"
import { MAX_START_AHEAD_MS, parseStartAt, startPlan } from "../../../harness/run/startAt.js"
import type { Scenario } from "../../../harness/scenario/schema.js"

const shardCases: ReadonlyArray<{ readonly text: string; readonly clients: number; readonly expected: { index: number; count: number } | RegExp }> = [
  { text: "0/4", clients: 12, expected: { index: 0, count: 4 } },
  { text: "3/4", clients: 12, expected: { index: 3, count: 4 } },
  { text: " 2 / 4 ", clients: 12, expected: { index: 2, count: 4 } },
  { text: "0/1", clients: 1, expected: { index: 0, count: 1 } },
  { text: "4/4", clients: 12, expected: /0-based: the last of 4 is 3\/4/ },
  { text: "7/4", clients: 12, expected: /INDEX from 0 to COUNT-1.*got "7\/4"/ },
  { text: "0/0", clients: 12, expected: /COUNT must be at least 1/ },
  { text: "-1/4", clients: 12, expected: /--shard must be INDEX\/COUNT/ },
  { text: "1.5/4", clients: 12, expected: /--shard must be INDEX\/COUNT/ },
  { text: "a/b", clients: 12, expected: /got "a\/b"/ },
  { text: "2", clients: 12, expected: /e\.g\. 0\/4 … 3\/4/ },
  { text: "1/5", clients: 3, expected: /5 shards need at least 5 clients, --clients is 3/ }
]

const scenarioOf = (clients: number, rampUp: number): Scenario => ({
  url: "rtsp://127.0.0.1:8554/movie.Mjpeg",
  transport: "udp",
  dialect: "standard",
  clients,
  rampUp,
  steps: [{ step: "play" }]
})

describe("--shard", () => {
  it.each(shardCases)("$text of $clients clients", ({ text, clients, expected }) => {
    const parsed = parseShardSpec(text, clients)
    if (expected instanceof RegExp) expect(Either.isLeft(parsed) ? parsed.left : "").toMatch(expected)
    else expect(parsed).toEqual(Either.right(expected))
  })

  it("names a share's clients in full when few, else by the first few and the last", () => {
    expect(clientList([2, 6, 10])).toBe("2, 6, 10")
    expect(clientList(clientsOfShard(1000, { index: 2, count: 4 }))).toBe("2, 6, 10, 14, 18, … 998")
    expect(clientList([0, 2, 4, 6], 3)).toBe("0, 2, 4, … 6")
    expect(clientList([])).toBe("")
  })

  it("shares clients round robin: shard i gets i, i+n, i+2n …", () => {
    expect(shardClients(10, 4)).toEqual([[0, 4, 8], [1, 5, 9], [2, 6], [3, 7]])
    expect(clientsOfShard(12, { index: 2, count: 4 })).toEqual([2, 6, 10])
    expect(clientsOfShard(3, { index: 0, count: 1 })).toEqual([0, 1, 2])
  })

  it("every client is in exactly one share, and keeps the start time one run would give it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 60_000 }), (clients, wanted, rampUp) => {
        const count = Math.min(wanted, clients)
        const shares = Array.from({ length: count }, (_, index) => clientsOfShard(clients, { index, count }))
        expect(shares.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: clients }, (_, i) => i))
        // Start delays are a function of the client's index in the whole run, so the shards' union is one run's schedule.
        const scenario = scenarioOf(clients, rampUp)
        const fromShares = shares.flat().map((i) => [i, startDelayMs(scenario, i)] as const).sort((a, b) => a[0] - b[0])
        expect(fromShares.map(([, delay]) => delay)).toEqual(Array.from({ length: clients }, (_, i) => startDelayMs(scenario, i)))
        // Round robin: no share has more than one client more than another.
        const sizes = shares.map((s) => s.length)
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
      }),
      { numRuns: 200 }
    )
  })
})

describe("--start-at", () => {
  const startCases: ReadonlyArray<{ readonly text: string; readonly expected: number | RegExp }> = [
    { text: "2026-05-01T12:00:00Z", expected: Date.UTC(2026, 4, 1, 12, 0, 0) },
    { text: "2026-05-01T14:00:00+02:00", expected: Date.UTC(2026, 4, 1, 12, 0, 0) },
    { text: "2026-05-01T12:00:00.250Z", expected: Date.UTC(2026, 4, 1, 12, 0, 0, 250) },
    { text: "2026-05-01T12:00Z", expected: Date.UTC(2026, 4, 1, 12, 0, 0) },
    { text: "2026-05-01T12:00:00", expected: /ISO 8601 time with its zone/ },
    { text: "tomorrow", expected: /got "tomorrow"/ },
    { text: "2026-13-01T12:00:00Z", expected: /ISO 8601/ }
  ]
  it.each(startCases)("$text", ({ text, expected }) => {
    const parsed = parseStartAt(text)
    if (expected instanceof RegExp) expect(Either.isLeft(parsed) ? parsed.left : "").toMatch(expected)
    else expect(parsed).toEqual(Either.right(expected))
  })

  it("waits for an instant ahead, starts at once after it, refuses one more than a day away", () => {
    expect(startPlan(10_000, 4_000)).toEqual({ _tag: "Wait", waitMs: 6_000 })
    expect(startPlan(10_000, 10_000)).toEqual({ _tag: "Wait", waitMs: 0 })
    expect(startPlan(10_000, 13_500)).toEqual({ _tag: "Late", lateMs: 3_500 })
    expect(startPlan(MAX_START_AHEAD_MS + 1, 0)).toEqual({ _tag: "TooFar", aheadMs: MAX_START_AHEAD_MS + 1 })
  })
})
