/**
 * `merge`: shard files of one run → the result of one run of all their clients. Pure.
 *
 * - Counts are exact: clients, failures, frames, packets, loss, statuses (each client's figures
 *   and requests travel whole). Means, minima and maxima (fps, jitter) and start-up and reply
 *   time percentiles are exact too, from the clients; only the inter-frame interval
 *   percentiles come from the merged histograms (logHistogram.ts: within 1 %).
 * - The expectations are judged on the whole run, by the same evaluateExpectations.
 * - Refused: shards of different runs (any difference in the scenario: URL, clients, ramp-up,
 *   durations, expectations; or in the shard count), a shard index given twice, and a file
 *   whose clients are not the ones its index runs.
 * - A missing shard does not stop the merge: its clients count as failed ("shard 2/4 missing"),
 *   so the verdict cannot pass on part of the run, and a warning says which.
 */
import { Data, Either, Schema } from "effect"
import { aggregateFigures, type SessionFigures } from "../metrics/aggregate.js"
import { histogramSummary, mergeAllHistograms } from "../metrics/logHistogram.js"
import { emptyPooledSeries, mergePooledSeries } from "../metrics/pooledSeries.js"
import { Scenario, type ScenarioEncoded } from "../scenario/schema.js"
import { evaluateExpectations } from "./expectations.js"
import { type ClientRun, type ScenarioRunResult } from "./scenarioResult.js"
import { rtspTimings } from "./sessionMetrics.js"
import { sessionMetricsOf, type ShardClient, type ShardFile } from "./shardFile.js"
import { carriesTimelines } from "./shardOfRun.js"
import { clientList, clientsOfShard, shardLabel } from "./shardSpec.js"

export interface ShardSource {
  /** Where it was read from, for messages. */
  readonly source: string
  readonly file: ShardFile
}

export class ShardMergeError extends Data.TaggedError("ShardMergeError")<{
  readonly reason: "NoShards" | "DifferentRuns" | "DuplicateShard" | "WrongClients"
  readonly message: string
}> {}

export interface MergedRun {
  readonly result: ScenarioRunResult
  /** Shards missing, or started far apart: said, not refused. */
  readonly warnings: ReadonlyArray<string>
}

/** Shards whose epochs lie further apart than this did not start their clients as one run would. */
export const START_SPREAD_WARNING_MS = 1000

const encodeScenario = Schema.encodeSync(Scenario)

/** The first place two JSON values differ, as a path ("steps[3].duration"), or undefined when equal. */
export const firstDifference = (a: unknown, b: unknown, path = ""): string | undefined => {
  if (Object.is(a, b)) return undefined
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const found = firstDifference(a[i], b[i], `${path}[${i}]`)
      if (found !== undefined) return found
    }
    return undefined
  }
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null && !Array.isArray(a) && !Array.isArray(b)) {
    const left = a as Readonly<Record<string, unknown>>
    const right = b as Readonly<Record<string, unknown>>
    for (const key of [...new Set([...Object.keys(left), ...Object.keys(right)])]) {
      const found = firstDifference(left[key], right[key], path === "" ? key : `${path}.${key}`)
      if (found !== undefined) return found
    }
    return undefined
  }
  return path === "" ? "(root)" : path
}

const valueAt = (value: unknown, path: string): unknown => {
  let here: unknown = value
  for (const part of path.match(/[^.[\]]+/g) ?? []) {
    if (typeof here !== "object" || here === null) return undefined
    here = (here as Readonly<Record<string, unknown>>)[part]
  }
  return here
}

const shown = (value: unknown): string => (value === undefined ? "absent" : JSON.stringify(value))

const refuse = (reason: ShardMergeError["reason"], message: string): Either.Either<never, ShardMergeError> => Either.left(new ShardMergeError({ reason, message }))

/** The scenario with the fields that tell runs apart first, so a difference is named by them (clients before the name made of them). */
const inTellingOrder = ({ url, clients, transport, dialect, rampUp, steps, expect, ...rest }: ScenarioEncoded) => ({ url, clients, transport, dialect, rampUp, steps, expect, ...rest })

const sameRun = (first: ShardSource, other: ShardSource): string | undefined => {
  if (other.file.shard.count !== first.file.shard.count) {
    return `${other.source} is ${shardLabel(other.file.shard)} and ${first.source} is ${shardLabel(first.file.shard)}: the shards of one run share their count`
  }
  const a = inTellingOrder(encodeScenario(first.file.scenario))
  const b = inTellingOrder(encodeScenario(other.file.scenario))
  const where = firstDifference(a, b)
  if (where === undefined) return undefined
  return `${other.source} is another run: its scenario.${where} is ${shown(valueAt(b, where))}, ${first.source}'s is ${shown(valueAt(a, where))}; the shards of one run share the URL, clients, ramp-up, durations and expectations`
}

const clientRunOf = (client: ShardClient): ClientRun => ({
  index: client.index,
  ok: client.ok,
  ...(client.failureReason === undefined ? {} : { failureReason: client.failureReason }),
  ...(client.metrics === undefined ? {} : { metrics: sessionMetricsOf(client.metrics, client.requests) }),
  requests: client.requests,
  statusSteps: client.statusSteps,
  ...(client.recovery === undefined ? {} : { recovery: client.recovery }),
  ...(client.timeline === undefined ? {} : { timeline: client.timeline })
})

const figuresOf = (client: ShardClient): SessionFigures => {
  const m = client.metrics
  return {
    ok: client.ok,
    ...(client.failureReason === undefined ? {} : { failureReason: client.failureReason }),
    ...(m === undefined
      ? {}
      : {
        rtp: { packetsReceived: m.packetsReceived, packetsExpected: m.packetsExpected, packetsLost: m.packetsLost, duplicates: m.duplicates, reordered: m.reordered, strayPackets: m.strayPackets, jitterMs: m.jitterMs },
        frames: { framesReceived: m.framesReceived, framesDropped: m.framesDropped, fps: m.fps, ...(m.startupMs === undefined ? {} : { startupMs: m.startupMs }) }
      })
  }
}

/** The clients of a shard no file came for: failed, with the reason. */
const missingClients = (index: number, count: number, clients: number): ReadonlyArray<ShardClient> =>
  clientsOfShard(clients, { index, count }).map((client) => ({ index: client, ok: false, failureReason: `${shardLabel({ index, count })} missing: no shard file`, requests: [], statusSteps: [] }))

export const mergeShards = (shards: ReadonlyArray<ShardSource>): Either.Either<MergedRun, ShardMergeError> => {
  const first = shards[0]
  if (first === undefined) return refuse("NoShards", "no shard files to merge")
  for (const other of shards.slice(1)) {
    const different = sameRun(first, other)
    if (different !== undefined) return refuse("DifferentRuns", different)
  }
  const scenario = first.file.scenario
  const count = first.file.shard.count
  const byIndex = new Map<number, ShardSource>()
  for (const shard of shards) {
    const index = shard.file.shard.index
    const twice = byIndex.get(index)
    if (twice !== undefined) return refuse("DuplicateShard", `${shardLabel(shard.file.shard)} is both ${twice.source} and ${shard.source}: give each shard once`)
    byIndex.set(index, shard)
    const expected = clientsOfShard(scenario.clients, shard.file.shard)
    const held = shard.file.clients.map((c) => c.index).sort((a, b) => a - b)
    if (firstDifference(held, expected) !== undefined) {
      return refuse("WrongClients", `${shard.source}: ${shardLabel(shard.file.shard)} of ${scenario.clients} clients runs clients ${clientList(expected)}, the file holds ${held.length === 0 ? "none" : clientList(held)}`)
    }
  }

  const warnings: Array<string> = []
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i))
  const absentClients = missing.flatMap((i) => missingClients(i, count, scenario.clients))
  for (const i of missing) {
    const theirs = clientsOfShard(scenario.clients, { index: i, count })
    warnings.push(`${shardLabel({ index: i, count })} is missing (given: ${clientList([...byIndex.keys()].sort((a, b) => a - b), 20)}): its ${theirs.length} client${theirs.length === 1 ? "" : "s"} (${clientList(theirs)}) count as failed`)
  }
  const starts = shards.map((s) => s.file.startedAt)
  const spreadMs = Math.max(...starts) - Math.min(...starts)
  if (spreadMs > START_SPREAD_WARNING_MS) {
    warnings.push(`the shards started up to ${(spreadMs / 1000).toFixed(1)} s apart, so their clients did not start as one run's would (load --start-at starts every shard at one time)`)
  }

  const rows = [...shards.flatMap((s) => s.file.clients), ...absentClients].sort((a, b) => a.index - b.index)
  const clients = rows.map(clientRunOf)
  const intervals = mergeAllHistograms(shards.map((s) => s.file.intervalsMs))
  const checks = evaluateExpectations(scenario.expect, clients)
  const charts = carriesTimelines(scenario.clients)
    ? undefined
    : {
      intervalsMs: shards.map((s) => s.file.charts.intervalsMs).reduce(mergePooledSeries, emptyPooledSeries),
      jitterMs: shards.map((s) => s.file.charts.jitterMs).reduce(mergePooledSeries, emptyPooledSeries),
      intervalHistogram: intervals
    }
  const result: ScenarioRunResult = {
    scenario,
    startedAt: Math.min(...starts),
    durationMs: Math.max(...shards.map((s) => s.file.durationMs)),
    clients,
    aggregate: aggregateFigures(rows.map(figuresOf), histogramSummary(intervals)),
    rtspMs: rtspTimings(clients.flatMap((c) => c.requests)),
    checks,
    ok: checks.every((c) => c.ok),
    ...(charts === undefined ? {} : { charts })
  }
  return Either.right({ result, warnings })
}
