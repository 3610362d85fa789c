/**
 * The end of every run, in one thread or many: the clients' results (sorted by index) →
 * the run's aggregate, RTSP reply times and verdicts. Pure, so a threaded run that merges its
 * threads' clients gets exactly the figures a single-thread run of the same clients gets.
 */
import type { ImpairmentCheck } from "../impair/impairmentCheck.js"
import { aggregateSessions, type RunAggregate } from "../metrics/aggregate.js"
import type { PooledCharts } from "../metrics/pooledSeries.js"
import type { Scenario } from "../scenario/schema.js"
import type { ClientSessionSnapshot } from "../session/types.js"
import { type ClientVerdictInput, evaluateExpectations, type ExpectationCheck } from "./expectations.js"
import { type MethodTiming, rtspTimings, sessionOutcome } from "./sessionMetrics.js"

/** One client's result; plain data (structured-clonable), so a worker thread can post it as is. */
export interface ClientRun extends ClientVerdictInput {
  /** Each session's figures beside the server's record of what it did, in order (absent: no session reached its end). */
  readonly impairmentChecks?: ReadonlyArray<ImpairmentCheck>
  readonly snapshot?: ClientSessionSnapshot
  /** The report's series when there is no snapshot (a client read back from a shard file). */
  readonly timeline?: ClientTimeline
}

export type ClientTimeline = Pick<ClientSessionSnapshot, "frameArrivalsMs" | "jitterSeries">

export interface ScenarioRunResult {
  readonly scenario: Scenario
  /** Unix ms at the start. */
  readonly startedAt: number
  readonly durationMs: number
  readonly clients: ReadonlyArray<ClientRun>
  readonly aggregate: RunAggregate
  /** RTSP response times per method, over every client. */
  readonly rtspMs: Readonly<Record<string, MethodTiming>>
  readonly checks: ReadonlyArray<ExpectationCheck>
  readonly ok: boolean
  /** A run merged from shards: the charts' figures, pooled (its clients have no timelines). */
  readonly charts?: PooledCharts
}

export const scenarioRunResult = (
  scenario: Scenario,
  runs: ReadonlyArray<ClientRun>,
  startedAt: number,
  durationMs: number
): ScenarioRunResult => {
  const clients = [...runs].sort((a, b) => a.index - b.index)
  const checks = evaluateExpectations(scenario.expect, clients)
  return {
    scenario,
    startedAt,
    durationMs,
    clients,
    aggregate: aggregateSessions(clients.map((c) => sessionOutcome(c.ok, c.failureReason, c.snapshot))),
    rtspMs: rtspTimings(clients.flatMap((c) => c.requests)),
    checks,
    ok: checks.every((c) => c.ok)
  }
}
