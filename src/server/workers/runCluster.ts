/**
 * `effect-rtsp serve --workers N` (N > 1): the primary process. It serves no RTSP itself: it
 * forks the workers (Supervisor), logs the one ready line once every worker listens, serves
 * /metrics and /healthz for all of them (with --http-port), and runs until interrupted
 * (SIGINT/SIGTERM: every worker stops gracefully) or until every worker was given up on.
 */
import { Clock, Effect, Layer } from "effect"
import { fileURLToPath } from "node:url"
import type { ServerConfig } from "../config.js"
import * as HttpEndpoint from "../HttpEndpoint.js"
import type { LoggingOptions } from "../logging.js"
import { liveChannelLines, readyLine } from "../readyLine.js"
import { clusterHealth, renderClusterMetrics } from "./clusterReadings.js"
import { ClusterError } from "./errors.js"
import * as Supervisor from "./Supervisor.js"
import { workerPortsProblem } from "./workerPorts.js"

export interface ClusterSettings {
  readonly server: ServerConfig
  readonly logging: LoggingOptions
  readonly workers: number
}

/** How long a scrape waits for each worker's metrics before reporting it as not answering. */
export const METRICS_TIMEOUT_MS = 1000

/** The worker's entry, beside this module in the build (dist/src/server/workers/workerMain.js). */
const WORKER_ENTRY = fileURLToPath(new URL("./workerMain.js", import.meta.url))

const clusterEndpointReadings = (supervisor: Supervisor.Supervisor, startedAtMillis: number): HttpEndpoint.EndpointReadings => ({
  metrics: Effect.map(supervisor.readMetrics(METRICS_TIMEOUT_MS), renderClusterMetrics),
  health: Effect.zipWith(supervisor.readMetrics(METRICS_TIMEOUT_MS), Clock.currentTimeMillis, (readings, now) =>
    clusterHealth(readings, HttpEndpoint.uptimeSeconds(startedAtMillis, now)))
})

export const runCluster = (settings: ClusterSettings): Effect.Effect<void, ClusterError | HttpEndpoint.HttpEndpointError> =>
  Effect.scoped(Effect.gen(function*() {
    const problem = workerPortsProblem(settings.server.rtpPort, settings.workers)
    if (problem !== undefined) return yield* new ClusterError({ reason: "Ports", message: problem })
    const startedAt = yield* Clock.currentTimeMillis
    yield* Effect.logInfo(`starting ${settings.workers} workers (pid ${process.pid} supervises)`)
    // Each worker would open its own group for a path, on the same address: two streams in one group.
    if (settings.server.multicast && settings.server.live.length > 0) yield* Effect.logInfo("multicast: off, as it needs one server process (--workers 1)")
    const supervisor = yield* Supervisor.make({
      count: settings.workers,
      server: { ...settings.server, multicast: false },
      logging: settings.logging,
      workerEntry: WORKER_ENTRY
    })
    const pairs = supervisor.started.map((info, worker) => ({ rtpPort: info.rtpPort, rtcpPort: info.rtcpPort, worker }))
    yield* Effect.logInfo(readyLine(settings.server.host, supervisor.port, pairs))
    for (const line of liveChannelLines(settings.server.host, supervisor.port, settings.server.live)) yield* Effect.logInfo(line)
    const httpPort = settings.server.httpPort
    if (httpPort !== undefined) {
      yield* Layer.build(HttpEndpoint.layerWith({ host: settings.server.host, port: httpPort }, clusterEndpointReadings(supervisor, startedAt)))
    }
    return yield* supervisor.allFailed
  }))
