/**
 * One cluster worker: the ordinary RTSP server (its own Metrics, no HTTP endpoint: the primary
 * serves that), which answers the primary's metrics requests and reports once it listens.
 */
import type { FileSystem, Path } from "@effect/platform"
import { Effect, FiberSet, Layer } from "effect"
import type { ServerStartError } from "../errors.js"
import * as Metrics from "../Metrics.js"
import * as RtspServer from "../RtspServer.js"
import type { PrimaryMessage, WorkerMessage } from "./messages.js"
import type { WorkerSettings } from "./workerEnv.js"

/** The worker's side of the IPC channel (process.send and process "message" in a real worker). */
export interface PrimaryChannel {
  /** Completes once the message is handed to the channel (or the channel is gone). */
  readonly send: (message: WorkerMessage) => Effect.Effect<void>
  /** Calls `handler` for each message from the primary until the returned function is called. */
  readonly subscribe: (handler: (message: PrimaryMessage) => void) => () => void
}

const answerMetricsRequests = (channel: PrimaryChannel) =>
  Effect.gen(function*() {
    const metrics = yield* Metrics.Metrics
    // Replies are forked from the channel's callback, as fibers of the layer's scope.
    const runFork = yield* FiberSet.makeRuntime<never>()
    yield* Effect.acquireRelease(
      Effect.sync(() =>
        channel.subscribe((message) => {
          if (message._tag === "MetricsRequest") {
            runFork(channel.send({ _tag: "MetricsReply", id: message.id, snapshot: metrics.expositionSnapshot() }))
          }
        })),
      (unsubscribe) => Effect.sync(unsubscribe)
    )
  })

const reportReady = (channel: PrimaryChannel) =>
  Effect.gen(function*() {
    const info = yield* RtspServer.RtspServer
    yield* Effect.logInfo(`pid ${process.pid}, RTP/RTCP on UDP ${info.rtpPort}/${info.rtcpPort}`)
    yield* channel.send({
      _tag: "Ready",
      info: {
        pid: process.pid,
        port: info.port,
        rtpPort: info.rtpPort,
        rtcpPort: info.rtcpPort,
        udpSendPath: RtspServer.describeSendPath(info.udpSendPath())
      }
    })
  })

/** The worker's server, answering `channel`, for as long as the layer lives. */
export const workerLayer = (
  settings: WorkerSettings,
  channel: PrimaryChannel
): Layer.Layer<never, ServerStartError, FileSystem.FileSystem | Path.Path> =>
  Layer.scopedDiscard(Effect.zipRight(answerMetricsRequests(channel), reportReady(channel))).pipe(
    Layer.provide(RtspServer.layer(settings.server).pipe(Layer.provideMerge(Metrics.layer)))
  )
