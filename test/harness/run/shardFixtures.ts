/**
 * Shard files of a scripted load run, for the shard file and merge tests: every client's
 * figures follow from its index, so a test knows the raw intervals and the exact totals.
 */
import { Option } from "effect"
import { loadTestScenario } from "../../../harness/cli/load.js"
import { histogramOf } from "../../../harness/metrics/logHistogram.js"
import { pooledSeriesOf } from "../../../harness/metrics/pooledSeries.js"
import { intervalSamples } from "../../../harness/report/html.js"
import { startDelayMs } from "../../../harness/run/runScenario.js"
import { SHARD_FORMAT, SHARD_VERSION, type ShardClient, type ShardFile } from "../../../harness/run/shardFile.js"
import { carriesTimelines } from "../../../harness/run/shardOfRun.js"
import { clientsOfShard, type ShardSpec } from "../../../harness/run/shardSpec.js"
import type { Scenario } from "../../../harness/scenario/schema.js"

export const URL = "rtsp://127.0.0.1:8554/movie.Mjpeg"
export const STARTED_AT = Date.UTC(2026, 4, 1, 12, 0, 0)

export const scenarioOf = (clients: number, options: { readonly url?: string; readonly durationMs?: number; readonly fpsMin?: number } = {}): Scenario =>
  loadTestScenario(options.url ?? URL, clients, options.durationMs ?? 2000, 1000, "udp", Option.fromNullable(options.fpsMin), Option.none())

/** What a scripted client does differently from the rest. */
export interface ClientScript {
  readonly failed?: string
  /** A slower stream: this many ms between frames instead of about 50. */
  readonly intervalMs?: number
  readonly setupStatus?: number
  readonly lost?: number
}

/** Client i's inter-frame intervals: about 50 ms with a wobble, a stall for every fifth client. */
export const intervalsOf = (index: number, script: ClientScript = {}): ReadonlyArray<number> =>
  Array.from({ length: 39 }, (_, k) => (script.intervalMs ?? 50 + ((index * 7 + k) % 11) * 0.5 - 2.5) + (index % 5 === 0 && k === 20 ? 70 : 0))

const clientOf = (scenario: Scenario, index: number, script: ClientScript): { readonly client: ShardClient; readonly arrivals: ReadonlyArray<number> } => {
  const intervals = intervalsOf(index, script)
  const startupMs = 10 + (index % 4)
  const first = startDelayMs(scenario, index) + 30 + startupMs
  const arrivals = intervals.reduce((times, gap) => [...times, (times[times.length - 1] ?? first) + gap], [first])
  const span = (arrivals[arrivals.length - 1] ?? first) - first
  const packetsReceived = arrivals.length * 7
  const lost = script.lost ?? 0
  const status = (method: string): number => (method === "SETUP" ? script.setupStatus ?? 200 : 200)
  const requests = ["DESCRIBE", "SETUP", "PLAY", "TEARDOWN"].map((method, k) => ({ method, status: status(method), elapsedMs: 3 + index * 0.25 + k }))
  const client: ShardClient = {
    index,
    ok: script.failed === undefined,
    ...(script.failed === undefined ? {} : { failureReason: script.failed }),
    metrics: {
      transport: "udp",
      framesReceived: arrivals.length,
      framesDropped: 0,
      droppedByReason: {},
      packetsReceived,
      packetsExpected: packetsReceived + lost,
      packetsLost: lost,
      duplicates: 0,
      reordered: 0,
      strayPackets: 0,
      lossPct: (lost / (packetsReceived + lost)) * 100,
      fps: ((arrivals.length - 1) * 1000) / span,
      jitterMs: 0.1 + index / 100,
      startupMs,
      bitrateKbps: 1500,
      timestampsConsistent: true,
      senderReports: 1,
      receiverReportsSent: 1,
      byeReceived: false
    },
    requests,
    statusSteps: [],
    ...(carriesTimelines(scenario.clients) ? { timeline: { frameArrivalsMs: arrivals, jitterSeries: arrivals.map((t) => ({ tMs: t, jitterMs: 0.1 })) } } : {})
  }
  return { client, arrivals }
}

/** Shard `spec` of a scripted run of `scenario`; `scripts` changes some clients. */
export const scriptedShard = (
  scenario: Scenario,
  spec: ShardSpec,
  scripts: Readonly<Record<number, ClientScript>> = {},
  startedAt = STARTED_AT
): ShardFile => {
  const clients = clientsOfShard(scenario.clients, spec).map((index) => clientOf(scenario, index, scripts[index] ?? {}))
  return {
    format: SHARD_FORMAT,
    version: SHARD_VERSION,
    shard: spec,
    command: `rtsp-harness load ${scenario.url} --clients ${scenario.clients} --shard ${spec.index}/${spec.count} --out shard-${spec.index}.json`,
    startedAt,
    durationMs: 4000 + spec.index,
    histogramRelativeError: 0.01,
    scenario,
    clients: clients.map((c) => c.client),
    intervalsMs: histogramOf(clients.flatMap((c) => intervalsOf(c.client.index, scripts[c.client.index] ?? {}))),
    charts: {
      intervalsMs: pooledSeriesOf(clients.map((c) => intervalSamples(c.arrivals))),
      jitterMs: pooledSeriesOf(clients.map((c) => c.arrivals.map((t) => ({ t, v: 0.1 }))))
    }
  }
}

/** Every shard of a scripted run, as `{ source, file }` for mergeShards. */
export const scriptedRun = (scenario: Scenario, count: number, scripts: Readonly<Record<number, ClientScript>> = {}) =>
  Array.from({ length: count }, (_, index) => ({ source: `shard-${index}.json`, file: scriptedShard(scenario, { index, count }, scripts) }))
