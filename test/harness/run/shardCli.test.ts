/**
 * Load beyond one machine, as users run it: four `load --shard i/4 --out` processes of the
 * built CLI against our server (port 0, 127.0.0.1), started together by --start-at, merged by
 * `merge`, count as one 12-client run does (clients, statuses exact; frames within one per
 * client; nothing lost); one run's own shard file merged gives its figures back, the interval
 * percentiles within the histogram's 1 %. Bad shards end in one clear line and status 2.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { RELATIVE_ERROR } from "../../../harness/metrics/logHistogram.js"
import { decodeShardFile } from "../../../harness/run/shardFile.js"
import { startTestServer, type TestServer } from "../../support/testServer.js"
import { harness, type Ran, stackTraceIn } from "../../support/harnessProcess.js"

const CLIENTS = 12
const SHARDS = 4
const RUN = ["--clients", String(CLIENTS), "--duration", "2s", "--ramp-up", "1s", "--fps-min", "15", "--loss-max", "1"]
/** Far enough ahead for four CLI processes to load on a busy two-core machine. */
const START_AHEAD_MS = 10_000

interface RunJson {
  readonly ok: boolean
  readonly clients: number
  readonly clientsOk: number
  readonly clientsFailed: number
  readonly framesReceived: number
  readonly framesDropped: number
  readonly packetsLost: number
  readonly intervalMs: { readonly count: number; readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number }
  readonly rtspMs: Readonly<Record<string, { readonly count: number; readonly statuses: Readonly<Record<string, number>> }>>
  readonly checks: ReadonlyArray<{ readonly name: string; readonly ok: boolean; readonly expected: string; readonly actual: string }>
}

const json = <A>(ran: Ran): A => JSON.parse(ran.stdout) as A

/** The reply counts per method and status: exact whatever the timing. */
const statuses = (r: RunJson) => Object.fromEntries(Object.entries(r.rtspMs).map(([method, t]) => [method, { count: t.count, statuses: t.statuses }]))

let server: TestServer
let work: string
const shardFile = (i: number): string => join(work, `shard-${i}.json`)
const wholeFile = (): string => join(work, "whole.json")
const reportFile = (): string => join(work, "merged.html")

/** What the runs printed: the four shards, their merge, and one run of all 12 clients. */
let startAt: string
let shards: ReadonlyArray<Ran>
let mergeRan: Ran
let wholeRan: Ran

beforeAll(async () => {
  server = await startTestServer()
  work = mkdtempSync(join(tmpdir(), "harness-shards-"))
  startAt = new Date(Date.now() + START_AHEAD_MS).toISOString()
  // Shard 0 spreads its clients over two worker threads; the others run theirs in their main thread (cheaper to load).
  shards = await Promise.all(
    Array.from({ length: SHARDS }, (_, i) =>
      harness(["load", server.url(), ...RUN, "--shard", `${i}/${SHARDS}`, "--out", shardFile(i), "--start-at", startAt, "--threads", i === 0 ? "2" : "1", "--json"], 60_000)
    )
  )
  mergeRan = await harness(["merge", ...Array.from({ length: SHARDS }, (_, i) => shardFile(i)), "--json", "--report", reportFile()])
  wholeRan = await harness(["load", server.url(), ...RUN, "--json", "--out", wholeFile()], 60_000)
}, 120_000)
afterAll(async () => {
  await server.close()
  rmSync(work, { recursive: true, force: true })
})

describe("load --shard and merge", () => {
  it("each shard runs its share, waits for --start-at, and writes its file", () => {
    shards.forEach((ran, i) => {
      expect(ran.code, ran.stderr).toBe(0)
      expect(json<{ shard: unknown; clientIndices: ReadonlyArray<number>; clientsOk: number }>(ran)).toMatchObject({ shard: { index: i, count: SHARDS }, clientIndices: [i, i + 4, i + 8], clientsOk: 3 })
      expect(ran.stderr).toMatch(/--start-at .*: the first client starts in \d+\.\d s/)
    })
    // Every shard waited for the one instant, so together they started as one run.
    const starts = Array.from({ length: SHARDS }, (_, i) => Either.getOrThrow(decodeShardFile(readFileSync(shardFile(i), "utf8"), shardFile(i))).startedAt)
    for (const started of starts) expect(started).toBeGreaterThanOrEqual(Date.parse(startAt) - 5)
    expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(250)
  })

  it("4 shard processes merged count as one run of all 12 clients", () => {
    expect(mergeRan.code, mergeRan.stderr).toBe(0)
    expect(mergeRan.stderr).toBe("")
    const merged = json<RunJson>(mergeRan)
    expect(merged).toMatchObject({ ok: true, clients: CLIENTS, clientsOk: CLIENTS, clientsFailed: 0, framesDropped: 0, packetsLost: 0 })
    expect(wholeRan.code, wholeRan.stderr).toBe(0)
    const whole = json<RunJson>(wholeRan)
    expect(merged.clients).toBe(whole.clients)
    expect(merged.clientsOk).toBe(whole.clientsOk)
    expect(whole.packetsLost).toBe(0)
    // Timing gives or takes a frame per client at either end of its play.
    expect(Math.abs(merged.framesReceived - whole.framesReceived)).toBeLessThanOrEqual(CLIENTS)
    expect(merged.framesReceived).toBeGreaterThanOrEqual(CLIENTS * 35)
    expect(statuses(merged)).toEqual(statuses(whole))
    expect(merged.checks.map((c) => [c.name, c.ok, c.expected])).toEqual(whole.checks.map((c) => [c.name, c.ok, c.expected]))
    expect(merged.checks.filter((c) => c.name.endsWith("status")).map((c) => c.actual)).toEqual(whole.checks.filter((c) => c.name.endsWith("status")).map((c) => c.actual))
  })

  it("the merge's report draws the whole run", () => {
    const html = readFileSync(reportFile(), "utf8")
    expect(html).toContain(`Inter-frame intervals, ${CLIENTS} sessions pooled per second`)
    expect(html).toContain("PASS: all 6 checks passed")
    expect(html).toContain(`Per-client results: ${CLIENTS} clients`)
  })

  it("a run's own shard file merged gives its figures back, interval percentiles within 1 %", async () => {
    const again = await harness(["merge", wholeFile(), "--json"])
    expect(again.code, again.stderr).toBe(0)
    const back = json<RunJson & Record<string, unknown>>(again)
    const { intervalMs: exact, ...rest } = json<RunJson & Record<string, unknown>>(wholeRan)
    const { intervalMs: estimated, ...restBack } = back
    expect(restBack).toEqual(rest)
    expect(estimated.count).toBe(exact.count)
    expect(estimated.max).toBe(exact.max)
    for (const p of ["p50", "p95", "p99"] as const) expect(Math.abs(estimated[p] - exact[p])).toBeLessThanOrEqual(RELATIVE_ERROR * exact[p] * (1 + 1e-9))
  })

  it("merges around a missing shard with a warning, its clients failed, exit 1", async () => {
    const ran = await harness(["merge", shardFile(0), shardFile(1), shardFile(3), "--json"])
    expect(ran.code).toBe(1)
    expect(ran.stderr).toContain("warning: shard 2/4 is missing (given: 0, 1, 3): its 3 clients (2, 6, 10) count as failed\n")
    expect(json<RunJson>(ran)).toMatchObject({ ok: false, clients: CLIENTS, clientsOk: 9, clientsFailed: 3 })
  })

  it("refuses a shard of another run, naming what differs, exit 2", async () => {
    const other = join(work, "other-1.json")
    const text = readFileSync(shardFile(1), "utf8").replace(`{"step":"wait","duration":"2s"}`, `{"step":"wait","duration":"3s"}`)
    writeFileSync(other, text)
    const ran = await harness(["merge", shardFile(0), other])
    expect(ran.code).toBe(2)
    expect(ran.stderr.trim()).toBe(
      `error: ${other} is another run: its scenario.steps[3].duration is "3s", ${shardFile(0)}'s is "2s"; the shards of one run share the URL, clients, ramp-up, durations and expectations`
    )
    expect(ran.stdout).toBe("")
  })

  it("bad input ends in one clear line before anything runs", async () => {
    const cases: ReadonlyArray<{ readonly args: ReadonlyArray<string>; readonly stderr: RegExp }> = [
      { args: ["load", server.url(), ...RUN, "--shard", "4/4", "--out", join(work, "x.json")], stderr: /^error: --shard must be INDEX\/COUNT .*\(0-based: the last of 4 is 3\/4\)$/ },
      { args: ["load", server.url(), ...RUN, "--shard", "1/4"], stderr: /^error: --shard needs --out FILE/ },
      { args: ["load", server.url(), ...RUN, "--shard", "1/4", "--out", join(work, "x.json"), "--report", join(work, "x.html")], stderr: /^error: --report draws the whole run: give it to rtsp-harness merge/ },
      { args: ["load", server.url(), ...RUN, "--start-at", "noon"], stderr: /^error: --start-at must be an ISO 8601 time with its zone/ },
      { args: ["merge", join(work, "missing.json")], stderr: /^error: .*missing\.json: cannot read it: no such file or directory$/ },
      { args: ["merge", reportFile()], stderr: /^error: .*merged\.html: invalid JSON at line 1, column 1/ }
    ]
    const results = await Promise.all(cases.map(async (c) => ({ ...c, ran: await harness(c.args) })))
    for (const { args, stderr, ran } of results) {
      expect(ran.code, args.join(" ")).toBe(2)
      expect(ran.stderr.trim()).toMatch(stderr)
      expect(ran.stdout).toBe("")
      expect(stackTraceIn(ran)).toBe(false)
    }
  })
})
