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

/** A /healthz answer: the JSON body and its HTTP status (200 when serving, 503 when not). */
export interface HealthAnswer {
  readonly httpStatus: number
  readonly body: unknown
}

/**
 * What the endpoint answers, read anew on every request: one server's own metrics, or a
 * cluster primary's that asks its workers (which is why both are Effects).
 */
export interface EndpointReadings {
  readonly metrics: Effect.Effect<string>
  readonly health: Effect.Effect<HealthAnswer>
}

/** One server's readings: its Metrics, and its uptime counted from `startedAtMillis`. */
export const serverReadings = (metrics: ServerMetrics, startedAtMillis: number): EndpointReadings => ({
  metrics: Effect.sync(() => metrics.render()),
  health: Effect.map(Clock.currentTimeMillis, (now) => {
    const snapshot = metrics.snapshot()
    const { init, ready, playing } = snapshot.sessionsByState
    const health: Health = {
      status: "ok",
      uptimeSeconds: uptimeSeconds(startedAtMillis, now),
      connections: snapshot.connections,
      sessions: init + ready + playing
    }
    return { httpStatus: 200, body: health }
  })
})

export const uptimeSeconds = (startedAtMillis: number, nowMillis: number): number =>
  Math.max(0, Math.floor((nowMillis - startedAtMillis) / 1000))

const routes = (readings: EndpointReadings) =>
  HttpRouter.empty.pipe(
    HttpRouter.get(
      "/metrics",
      Effect.map(readings.metrics, (text) => HttpServerResponse.text(text, { contentType: PROMETHEUS_CONTENT_TYPE }))
    ),
    HttpRouter.get(
      "/healthz",
      Effect.map(readings.health, (answer) => HttpServerResponse.unsafeJson(answer.body, { status: answer.httpStatus }))
    )
  ).pipe(
    Effect.catchTag("RouteNotFound", () => Effect.succeed(HttpServerResponse.text("not found\n", { status: 404 })))
  )

const make = (options: HttpEndpointOptions, readings: EndpointReadings) =>
  Effect.gen(function*() {
    const server = yield* NodeHttpServer.make(() => createServer(), { host: options.host, port: options.port }).pipe(
      Effect.mapError((cause) =>
        new HttpEndpointError({
          reason: "Listen",
          message: `cannot listen for HTTP on ${options.host}:${options.port}: ${messageOf(cause.cause)}`,
          cause
        })
      )
    )
    yield* server.serve(routes(readings))
    const address: HttpEndpointAddress = server.address._tag === "TcpAddress"
      ? { host: server.address.hostname, port: server.address.port }
      : { host: options.host, port: options.port }
    yield* Effect.logInfo(`metrics on ${HttpServer.formatAddress(server.address)}/metrics, health on /healthz`)
    return address
  })

/** Serves /metrics and /healthz of the server's Metrics for as long as the layer lives. */
export const layer = (options: HttpEndpointOptions): Layer.Layer<HttpEndpoint, HttpEndpointError, Metrics> =>
  Layer.scoped(
    HttpEndpoint,
    Effect.gen(function*() {
      const readings = serverReadings(yield* Metrics, yield* Clock.currentTimeMillis)
      return yield* make(options, readings)
    })
  )

/** Serves the given readings (a cluster primary's) for as long as the layer lives. */
export const layerWith = (options: HttpEndpointOptions, readings: EndpointReadings): Layer.Layer<HttpEndpoint, HttpEndpointError> =>
  Layer.scoped(HttpEndpoint, make(options, readings))
