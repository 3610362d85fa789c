/**
 * Starts the real server in-process on 127.0.0.1 with port 0 (RTSP and the
 * UDP pair), for tests; close() runs every finalizer as a shutdown would.
 */
import { NodeContext } from "@effect/platform-node"
import { Context, Effect, Exit, Layer, Logger, LogLevel, Scope } from "effect"
import { defaultServerConfig, type ServerConfig } from "../../src/server/config.js"
import * as Metrics from "../../src/server/Metrics.js"
import { RtspServer, type RtspServerInfo, layer as serverLayer } from "../../src/server/RtspServer.js"

export interface TestServer {
  readonly info: RtspServerInfo
  readonly metrics: Metrics.ServerMetrics
  readonly url: (path?: string) => string
  readonly close: () => Promise<void>
}

/** Every line the server logs, as "LEVEL message key=value ...", for tests that read the log. */
export type LogSink = (line: string) => void

export const startTestServer = async (overrides: Partial<ServerConfig> = {}, log?: LogSink): Promise<TestServer> => {
  const config: ServerConfig = { ...defaultServerConfig, host: "127.0.0.1", port: 0, rtpPort: 0, mediaRoot: "video", ...overrides }
  const scope = Effect.runSync(Scope.make())
  const capture = log === undefined
    ? Logger.minimumLogLevel(process.env.TEST_LOG === "1" ? LogLevel.Debug : LogLevel.Error)
    : Layer.merge(
      Logger.replace(Logger.defaultLogger, Logger.make(({ logLevel, message, annotations }) => {
        const pairs = [...annotations].map(([key, value]) => `${key}=${String(value)}`)
        log([logLevel.label, ...(Array.isArray(message) ? message.map(String) : [String(message)]), ...pairs].join(" "))
      })),
      Logger.minimumLogLevel(LogLevel.Debug)
    )
  const layer = serverLayer(config).pipe(
    Layer.provideMerge(Metrics.layer),
    Layer.provide(NodeContext.layer),
    Layer.provide(capture)
  )
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  const info = Context.get(context, RtspServer)
  const metrics = Context.get(context, Metrics.Metrics)
  return {
    info,
    metrics,
    url: (path = "movie.Mjpeg") => `rtsp://127.0.0.1:${info.port}/${path}`,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
