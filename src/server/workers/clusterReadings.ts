/**
 * What the primary's /metrics and /healthz answer, from its workers' readings: the sum over the
 * workers that answered, then each worker's own series labelled worker="i", and which workers
 * did not answer. Pure; the renderers are Metrics.ts's.
 */
import type { HealthAnswer } from "../HttpEndpoint.js"
import {
  exposedFamilies,
  type ExpositionSnapshot,
  type LabelledSnapshot,
  type MetricFamily,
  renderFamilies,
  type Sample,
  sumSnapshots
} from "../Metrics.js"
import type { WorkerReading } from "./Supervisor.js"

const workerLabels = (index: number): Sample["labels"] => [["worker", String(index)]]

const answered = (readings: ReadonlyArray<WorkerReading>): Array<{ readonly index: number; readonly snapshot: ExpositionSnapshot }> =>
  readings.flatMap((r) => (r.snapshot === undefined ? [] : [{ index: r.index, snapshot: r.snapshot }]))

const workerFamilies = (readings: ReadonlyArray<WorkerReading>): Array<MetricFamily> => [
  {
    name: "rtsp_worker_up",
    type: "gauge",
    help: "1 for a worker that answered this scrape; 0 for one starting, not answering or given up on.",
    samples: readings.map((r) => ({ labels: workerLabels(r.index), value: r.snapshot === undefined ? 0 : 1 }))
  },
  {
    name: "rtsp_worker_restarts_total",
    type: "counter",
    help: "Times the worker crashed and was replaced.",
    samples: readings.map((r) => ({ labels: workerLabels(r.index), value: r.restarts }))
  }
]

/**
 * The exposition: every family once, the summed series (no worker label) first, then each
 * worker's. A replaced worker's counters start again from zero (a counter reset to Prometheus).
 */
export const renderClusterMetrics = (readings: ReadonlyArray<WorkerReading>): string => {
  const workers = answered(readings)
  const sources: Array<LabelledSnapshot> = [
    { labels: [], snapshot: sumSnapshots(workers.map((w) => w.snapshot)) },
    ...workers.map((w) => ({ labels: workerLabels(w.index), snapshot: w.snapshot }))
  ]
  return renderFamilies([...exposedFamilies(sources), ...workerFamilies(readings)])
}

/** ok: answered; starting: not listening yet; unresponsive: alive but silent past the timeout; failed: given up on. */
export type WorkerStatus = "ok" | "starting" | "unresponsive" | "failed"

export interface WorkerHealth {
  readonly worker: number
  readonly status: WorkerStatus
  readonly pid?: number
  readonly restarts: number
  readonly rtpPort?: number
  readonly rtcpPort?: number
  readonly connections?: number
  readonly sessions?: number
}

/** GET /healthz of a cluster: ok when every worker answered, degraded when some did, down (HTTP 503) when none did. */
export interface ClusterHealth {
  readonly status: "ok" | "degraded" | "down"
  readonly uptimeSeconds: number
  readonly connections: number
  readonly sessions: number
  readonly workers: ReadonlyArray<WorkerHealth>
}

const sessionCount = (snapshot: ExpositionSnapshot): number => {
  const { init, ready, playing } = snapshot.sessionsByState
  return init + ready + playing
}

const workerStatus = (reading: WorkerReading): WorkerStatus =>
  reading.snapshot !== undefined ? "ok" : reading.state === "ready" ? "unresponsive" : reading.state

const workerHealth = (reading: WorkerReading): WorkerHealth => ({
  worker: reading.index,
  status: workerStatus(reading),
  ...(reading.pid === undefined ? {} : { pid: reading.pid }),
  restarts: reading.restarts,
  ...(reading.ready === undefined ? {} : { rtpPort: reading.ready.rtpPort, rtcpPort: reading.ready.rtcpPort }),
  ...(reading.snapshot === undefined ? {} : { connections: reading.snapshot.connections, sessions: sessionCount(reading.snapshot) })
})

export const clusterHealth = (readings: ReadonlyArray<WorkerReading>, uptimeSeconds: number): HealthAnswer => {
  const workers = answered(readings)
  const status: ClusterHealth["status"] = workers.length === readings.length ? "ok" : workers.length === 0 ? "down" : "degraded"
  const health: ClusterHealth = {
    status,
    uptimeSeconds,
    connections: workers.reduce((sum, w) => sum + w.snapshot.connections, 0),
    sessions: workers.reduce((sum, w) => sum + sessionCount(w.snapshot), 0),
    workers: readings.map(workerHealth)
  }
  return { httpStatus: status === "down" ? 503 : 200, body: health }
}
