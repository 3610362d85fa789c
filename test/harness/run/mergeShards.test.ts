/**
 * merge: the shards of a scripted run give the figures of the same run in one shard (every
 * count exact, expectations judged on the whole), interval percentiles within the histogram's
 * bound of the raw intervals; shards of other runs are refused with what differs; a missing
 * shard's clients count as failed, with a warning.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { RELATIVE_ERROR } from "../../../harness/metrics/logHistogram.js"
import { summarize } from "../../../harness/metrics/percentile.js"
import { renderHtmlReport } from "../../../harness/report/html.js"
import { firstDifference, type MergedRun, mergeShards, type ShardMergeError, type ShardSource } from "../../../harness/run/mergeShards.js"
import { reportInputOf } from "../../../harness/run/reportInput.js"
import type { ScenarioRunResult } from "../../../harness/run/scenarioResult.js"
import { clientsOfShard } from "../../../harness/run/shardSpec.js"
import type { Scenario } from "../../../harness/scenario/schema.js"
import { type ClientScript, intervalsOf, scenarioOf, scriptedRun, scriptedShard, STARTED_AT } from "./shardFixtures.js"

const merged = (shards: ReadonlyArray<ShardSource>): MergedRun => {
  const result = mergeShards(shards)
  if (Either.isLeft(result)) throw new Error(`refused: ${result.left.message}`)
  return result.right
}

const refusal = (shards: ReadonlyArray<ShardSource>): ShardMergeError | undefined => {
  const result = mergeShards(shards)
  return Either.isLeft(result) ? result.left : undefined
}

/** What does not depend on how the run was split (its length is the longest shard's). */
const figures = (r: ScenarioRunResult) => ({ aggregate: r.aggregate, rtspMs: r.rtspMs, checks: r.checks, ok: r.ok, clients: r.clients, scenario: r.scenario })

/** One shard of a scripted run, named as load --out would have written it. */
const shard = (scenario: Scenario, index: number, count: number, source = `shard-${index}.json`): ShardSource => ({ source, file: scriptedShard(scenario, { index, count }) })

const SCRIPTS: Readonly<Record<number, ClientScript>> = { 5: { lost: 3 }, 7: { failed: "PLAY rtsp://127.0.0.1:8554/movie.Mjpeg: no response in 5000 ms" } }
const TWELVE = scenarioOf(12)

describe("mergeShards", () => {
  it("four shards give exactly the figures of the same run in one shard", () => {
    const four = merged(scriptedRun(TWELVE, 4, SCRIPTS))
    const one = merged(scriptedRun(TWELVE, 1, SCRIPTS))
    expect(four.warnings).toEqual([])
    expect(figures(four.result)).toEqual(figures(one.result))
    expect(four.result.aggregate).toMatchObject({
      clients: 12,
      clientsOk: 11,
      clientsFailed: 1,
      failureReasons: { "PLAY rtsp://127.0.0.1:8554/movie.Mjpeg: no response in 5000 ms": 1 },
      framesReceived: 12 * 40,
      packetsReceived: 12 * 280,
      packetsExpected: 12 * 280 + 3,
      packetsLost: 3
    })
    expect(four.result.clients.map((c) => c.index)).toEqual(Array.from({ length: 12 }, (_, i) => i))
    expect(four.result.rtspMs.SETUP).toMatchObject({ count: 12, statuses: { "200": 12 } })
    expect(four.result.startedAt).toBe(STARTED_AT)
    expect(four.result.durationMs).toBe(4003)
  })

  it("interval percentiles are within the histogram's bound of the raw intervals' exact ones", () => {
    const raw = Array.from({ length: 12 }, (_, i) => intervalsOf(i, SCRIPTS[i])).flat()
    const exact = summarize(raw)
    const got = merged(scriptedRun(TWELVE, 4, SCRIPTS)).result.aggregate.intervalMs
    expect(got?.count).toBe(exact?.count)
    expect(got?.max).toBe(exact?.max)
    for (const p of ["p50", "p95", "p99"] as const) {
      expect(Math.abs((got?.[p] ?? Number.NaN) - (exact?.[p] ?? Number.NaN))).toBeLessThanOrEqual(RELATIVE_ERROR * (exact?.[p] ?? 0))
    }
  })

  it("does not depend on the order the files come in", () => {
    const shards = scriptedRun(TWELVE, 4, SCRIPTS)
    expect(figures(merged([...shards].reverse()).result)).toEqual(figures(merged(shards).result))
  })

  it("judges the expectations on the whole run: the worst client of any shard, every reply of every shard", () => {
    const strict = scenarioOf(12, { fpsMin: 19.5 })
    const result = merged(scriptedRun(strict, 4, { 7: { intervalMs: 60 }, 2: { setupStatus: 454 } })).result
    expect(result.ok).toBe(false)
    expect(result.checks.find((c) => c.name === "fps")).toMatchObject({ ok: false, expected: ">= 19.5 fps for every client", actual: "16.67 fps (worst: client 7)" })
    expect(result.checks.find((c) => c.name === "SETUP status")).toMatchObject({ ok: false, actual: "200 x11, 454 x1" })
    expect(result.checks.find((c) => c.name === "DESCRIBE status")).toMatchObject({ ok: true, actual: "200 on 12 of 12" })
  })

  it("merges around a missing shard: its clients count as failed, with a warning", () => {
    const shards = scriptedRun(TWELVE, 4).filter((s) => s.file.shard.index !== 2)
    const run = merged(shards)
    expect(run.warnings).toEqual(["shard 2/4 is missing (given: 0, 1, 3): its 3 clients (2, 6, 10) count as failed"])
    expect(run.result.aggregate).toMatchObject({ clients: 12, clientsOk: 9, clientsFailed: 3, failureReasons: { "shard 2/4 missing: no shard file": 3 }, framesReceived: 9 * 40 })
    expect(run.result.ok).toBe(false)
    expect(run.result.checks[0]).toMatchObject({ name: "clients completed their steps", ok: false, actual: "9 of 12; failed: shard 2/4 missing: no shard file" })
    // Many clients are named by the first few and the last.
    expect(merged(scriptedRun(scenarioOf(40), 2).slice(0, 1)).warnings).toEqual(["shard 1/2 is missing (given: 0): its 20 clients (1, 3, 5, 7, 9, … 39) count as failed"])
  })

  it("warns when the shards started more than a second apart", () => {
    const late = { source: "shard-1.json", file: scriptedShard(TWELVE, { index: 1, count: 2 }, {}, STARTED_AT + 2500) }
    const run = merged([shard(TWELVE, 0, 2), late])
    expect(run.warnings).toEqual(["the shards started up to 2.5 s apart, so their clients did not start as one run's would (load --start-at starts every shard at one time)"])
  })

  const refusals: ReadonlyArray<{ readonly name: string; readonly shards: () => ReadonlyArray<ShardSource>; readonly reason: ShardMergeError["reason"]; readonly message: string }> = [
    {
      name: "another URL",
      shards: () => [shard(TWELVE, 0, 2), shard(scenarioOf(12, { url: "rtsp://10.0.0.9:8554/movie.Mjpeg" }), 1, 2, "b.json")],
      reason: "DifferentRuns",
      message:
        "b.json is another run: its scenario.url is \"rtsp://10.0.0.9:8554/movie.Mjpeg\", shard-0.json's is \"rtsp://127.0.0.1:8554/movie.Mjpeg\"; the shards of one run share the URL, clients, ramp-up, durations and expectations"
    },
    {
      name: "another duration",
      shards: () => [shard(TWELVE, 0, 2), shard(scenarioOf(12, { durationMs: 3000 }), 1, 2, "b.json")],
      reason: "DifferentRuns",
      message: "b.json is another run: its scenario.steps[3].duration is \"3s\", shard-0.json's is \"2s\"; the shards of one run share the URL, clients, ramp-up, durations and expectations"
    },
    {
      name: "another number of clients",
      shards: () => [shard(TWELVE, 0, 2), shard(scenarioOf(14), 1, 2, "b.json")],
      reason: "DifferentRuns",
      message: "b.json is another run: its scenario.clients is 14, shard-0.json's is 12; the shards of one run share the URL, clients, ramp-up, durations and expectations"
    },
    {
      name: "another shard count",
      shards: () => [shard(TWELVE, 0, 4), shard(TWELVE, 1, 3)],
      reason: "DifferentRuns",
      message: "shard-1.json is shard 1/3 and shard-0.json is shard 0/4: the shards of one run share their count"
    },
    {
      name: "a shard given twice",
      shards: () => [...scriptedRun(TWELVE, 4), shard(TWELVE, 1, 4, "copy.json")],
      reason: "DuplicateShard",
      message: "shard 1/4 is both shard-1.json and copy.json: give each shard once"
    },
    {
      name: "a file whose clients are another shard's",
      shards: () => [{ source: "odd.json", file: { ...scriptedShard(TWELVE, { index: 1, count: 4 }), shard: { index: 0, count: 4 } } }],
      reason: "WrongClients",
      message: "odd.json: shard 0/4 of 12 clients runs clients 0, 4, 8, the file holds 1, 5, 9"
    },
    { name: "no files", shards: () => [], reason: "NoShards", message: "no shard files to merge" }
  ]

  it.each(refusals)("refuses $name, saying what differs", ({ shards, reason, message }) => {
    expect(refusal(shards())).toMatchObject({ reason, message })
  })

  it("hands the report pooled charts for many clients, and the clients' own timelines for a few", () => {
    const many = merged(scriptedRun(TWELVE, 4)).result
    expect(many.charts?.intervalsMs.sessions).toBe(12)
    expect(many.charts?.jitterMs.sessions).toBe(12)
    expect(many.charts?.intervalHistogram.count).toBe(12 * 39)
    const html = renderHtmlReport(reportInputOf(many, "rtsp-harness merge shard-*.json"))
    expect(html).toContain("Inter-frame intervals, 12 sessions pooled per second")
    expect(html).toContain("RTP jitter (RFC 3550), 12 sessions pooled per second")
    expect(html).toContain("Per-client results: 12 clients")

    const few = merged(scriptedRun(scenarioOf(4), 2)).result
    expect(few.charts).toBeUndefined()
    expect(few.clients.every((c) => (c.timeline?.frameArrivalsMs.length ?? 0) === 40)).toBe(true)
    expect(renderHtmlReport(reportInputOf(few, "rtsp-harness merge"))).not.toContain("sessions pooled")
  })

  it("keeps every client of a share once, as clientsOfShard deals them", () => {
    const shards = scriptedRun(scenarioOf(10), 3)
    expect(shards.map((s) => s.file.clients.map((c) => c.index))).toEqual([0, 1, 2].map((index) => clientsOfShard(10, { index, count: 3 })))
  })
})

describe("firstDifference", () => {
  const cases: ReadonlyArray<{ readonly a: unknown; readonly b: unknown; readonly path: string | undefined }> = [
    { a: { url: "x", steps: [1, 2] }, b: { url: "x", steps: [1, 2] }, path: undefined },
    { a: { url: "x" }, b: { url: "y" }, path: "url" },
    { a: { steps: [{ step: "wait", duration: "2s" }] }, b: { steps: [{ step: "wait", duration: "3s" }] }, path: "steps[0].duration" },
    { a: { expect: { fpsMin: 19 } }, b: { expect: {} }, path: "expect.fpsMin" },
    { a: [1, 2], b: [1, 2, 3], path: "[2]" },
    { a: 1, b: "1", path: "(root)" }
  ]
  it.each(cases)("$path", ({ a, b, path }) => {
    expect(firstDifference(a, b)).toBe(path)
  })
})
