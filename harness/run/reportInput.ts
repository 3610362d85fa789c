/** A run's result in the shape of the HTML report. Pure. */
import type { ReportInput, ReportSession } from "../report/html.js"
import { tracksOfRun } from "../report/trackSummary.js"
import type { ScenarioRunResult } from "./runScenario.js"
import { maskCredentials } from "../client/credentials.js"

export const reportInputOf = (result: ScenarioRunResult, command: string): ReportInput => {
  const tracks = tracksOfRun(result.clients.map((client) => client.metrics))
  return {
    title: `rtsp-harness: ${result.scenario.name ?? "run"}`,
    url: maskCredentials(result.scenario.url),
    command,
    startedAt: new Date(result.startedAt).toISOString(),
    durationMs: result.durationMs,
    aggregate: result.aggregate,
    sessions: result.clients.map((client): ReportSession => ({
      id: `client ${client.index}`,
      ok: client.ok,
      ...(client.failureReason === undefined ? {} : { failureReason: client.failureReason }),
      framesReceived: client.metrics?.framesReceived ?? 0,
      framesDropped: client.metrics?.framesDropped ?? 0,
      lossPct: client.metrics?.lossPct ?? 0,
      fps: client.metrics?.fps ?? 0,
      jitterMs: client.metrics?.jitterMs ?? 0,
      ...(client.metrics?.startupMs === undefined ? {} : { startupMs: client.metrics.startupMs }),
      frameArrivalsMs: client.snapshot?.frameArrivalsMs ?? client.timeline?.frameArrivalsMs ?? [],
      jitterSeries: client.snapshot?.jitterSeries ?? client.timeline?.jitterSeries ?? []
    })),
    checks: result.checks,
    ...(result.charts === undefined ? {} : { pooled: result.charts }),
    ...(tracks === undefined ? {} : { tracks })
  }
}
