/**
 * The operator's HTTP endpoint: GET /metrics (Prometheus text) and
 * GET /healthz (JSON liveness). Anything else is 404. It listens while its
 * layer is alive and closes when the layer's scope ends.
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Clock, Context, Data, Effect, Layer } from "effect"
import { createServer } from "node:http"
import { Metrics } from "./Metrics.js"
import type { ServerMetrics } from "./Metrics.js"
import { messageOf } from "../common/errorText.js"

export interface HttpEndpointOptions {
  readonly host: string
  /** 0 picks a free port (tests); the bound one is in HttpEndpointAddress. */
  readonly port: number
}

/** Where the endpoint actually listens. */
export interface HttpEndpointAddress {
  readonly host: string
  readonly port: number
}

export class HttpEndpoint extends Context.Tag("effect-rtsp/HttpEndpoint")<HttpEndpoint, HttpEndpointAddress>() {}

export class HttpEndpointError extends Data.TaggedError("HttpEndpointError")<{
  readonly reason: "Listen"
  readonly message: string
  readonly cause?: unknown
}> {}

/** What GET /healthz answers. */
export interface Health {
  readonly status: "ok"
  readonly uptimeSeconds: number
  readonly connections: number
  readonly sessions: number
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

const routes = (metrics: ServerMetrics, startedAtMillis: number) =>
  HttpRouter.empty.pipe(
    HttpRouter.get(
      "/metrics",
      Effect.sync(() => HttpServerResponse.text(metrics.render(), { contentType: PROMETHEUS_CONTENT_TYPE }))
    ),
    HttpRouter.get(
      "/healthz",
      Effect.map(Clock.currentTimeMillis, (now) => {
        const snapshot = metrics.snapshot()
        const { init, ready, playing } = snapshot.sessionsByState
        const health: Health = {
          status: "ok",
          uptimeSeconds: Math.max(0, Math.floor((now - startedAtMillis) / 1000)),
          connections: snapshot.connections,
          sessions: init + ready + playing
        }
        return HttpServerResponse.unsafeJson(health)
      })
    )
  ).pipe(
    Effect.catchTag("RouteNotFound", () => Effect.succeed(HttpServerResponse.text("not found\n", { status: 404 })))
  )

const make = (options: HttpEndpointOptions) =>
  Effect.gen(function*() {
    const metrics = yield* Metrics
    const startedAt = yield* Clock.currentTimeMillis
    const server = yield* NodeHttpServer.make(() => createServer(), { host: options.host, port: options.port }).pipe(
      Effect.mapError((cause) =>
        new HttpEndpointError({
          reason: "Listen",
          message: `cannot listen for HTTP on ${options.host}:${options.port}: ${messageOf(cause.cause)}`,
          cause
        })
      )
    )
    yield* server.serve(routes(metrics, startedAt))
    const address: HttpEndpointAddress = server.address._tag === "TcpAddress"
      ? { host: server.address.hostname, port: server.address.port }
      : { host: options.host, port: options.port }
    yield* Effect.logInfo(`metrics on ${HttpServer.formatAddress(server.address)}/metrics, health on /healthz`)
    return address
  })

/** Serves /metrics and /healthz for as long as the layer lives. */
export const layer = (options: HttpEndpointOptions): Layer.Layer<HttpEndpoint, HttpEndpointError, Metrics> =>
  Layer.scoped(HttpEndpoint, make(options))

