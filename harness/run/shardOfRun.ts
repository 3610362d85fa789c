/**
 * A finished run of a shard's clients → its shard file (shardFile.ts): per client the figures
 * and requests, per frame the histograms. Pure.
 */
import { histogramOf, RELATIVE_ERROR } from "../metrics/logHistogram.js"
import { pooledSeriesOf } from "../metrics/pooledSeries.js"
import { intervalSamples, MAX_INDIVIDUAL_SERIES } from "../report/html.js"
import type { ClientRun, ScenarioRunResult } from "./scenarioResult.js"
import type { SessionMetrics } from "./sessionMetrics.js"
import { SHARD_FORMAT, SHARD_VERSION, type ShardClient, type ShardFile, type StoredClientMetrics } from "./shardFile.js"
import type { ShardSpec } from "./shardSpec.js"

/** Whether a run's clients are few enough for its report to draw one line each (so their timelines travel). */
export const carriesTimelines = (clients: number): boolean => clients <= MAX_INDIVIDUAL_SERIES

/** What the file keeps of a client's figures (the schema leaves out the rest when it is written). */
const storedMetrics = (metrics: SessionMetrics, packetsExpected: number): StoredClientMetrics => ({ ...metrics, packetsExpected })

const shardClientOf = (client: ClientRun, withTimeline: boolean): ShardClient => {
  const snapshot = client.snapshot
  const stored = client.metrics === undefined || snapshot === undefined ? undefined : storedMetrics(client.metrics, snapshot.receiver.rtp.packetsExpected)
  return {
    index: client.index,
    ok: client.ok,
    ...(client.failureReason === undefined ? {} : { failureReason: client.failureReason }),
    ...(stored === undefined ? {} : { metrics: stored }),
    requests: client.requests,
    statusSteps: client.statusSteps,
    ...(client.recovery === undefined ? {} : { recovery: client.recovery }),
    ...(withTimeline && snapshot !== undefined ? { timeline: { frameArrivalsMs: snapshot.frameArrivalsMs, jitterSeries: snapshot.jitterSeries } } : {})
  }
}

function* everyInterval(clients: ReadonlyArray<ClientRun>): Iterable<number> {
  for (const client of clients) yield* client.snapshot?.frameIntervalsMs ?? []
}

export const shardFileOf = (result: ScenarioRunResult, shard: ShardSpec, command: string): ShardFile => {
  const withTimelines = carriesTimelines(result.scenario.clients)
  return {
    format: SHARD_FORMAT,
    version: SHARD_VERSION,
    shard,
    command,
    startedAt: result.startedAt,
    durationMs: result.durationMs,
    histogramRelativeError: RELATIVE_ERROR,
    scenario: result.scenario,
    clients: result.clients.map((client) => shardClientOf(client, withTimelines)),
    intervalsMs: histogramOf(everyInterval(result.clients)),
    charts: {
      intervalsMs: pooledSeriesOf(result.clients.map((c) => intervalSamples(c.snapshot?.frameArrivalsMs ?? []))),
      jitterMs: pooledSeriesOf(result.clients.map((c) => (c.snapshot?.jitterSeries ?? []).map((j) => ({ t: j.tMs, v: j.jitterMs }))))
    }
  }
}
