import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { HttpEndpoint, HttpEndpointError, layer as httpLayer, PROMETHEUS_CONTENT_TYPE } from "../../src/server/HttpEndpoint.js"
import type { Health } from "../../src/server/HttpEndpoint.js"
import { makeServerMetrics, Metrics } from "../../src/server/Metrics.js"
import type { ServerMetrics } from "../../src/server/Metrics.js"
import { sendFrames, startSession, type TestSession } from "./meteredSessions.js"

/** Starts the endpoint on 127.0.0.1:0 in the test's scope; returns its base URL and the metrics behind it. */
const start = Effect.gen(function*() {
  const metrics = makeServerMetrics()
  const context = yield* Layer.build(
    httpLayer({ host: "127.0.0.1", port: 0 }).pipe(Layer.provide(Layer.succeed(Metrics, metrics)))
  )
  const address = Context.get(context, HttpEndpoint)
  return { metrics, address, base: `http://127.0.0.1:${address.port}` }
})

const request = (url: string, init?: RequestInit) =>
  Effect.promise(async () => {
    const response = await fetch(url, init)
    return { status: response.status, contentType: response.headers.get("content-type"), body: await response.text() }
  })

/** Returns the playing session. */
const addSomeTraffic = (metrics: ServerMetrics): TestSession => {
  metrics.connectionOpened()
  metrics.request("DESCRIBE")
  metrics.response(200)
  const s1 = startSession(metrics, "S1", "standard", "udp")
  s1.state = "playing"
  startSession(metrics, "S2", "classic", "udp")
  sendFrames(metrics, s1, 5, 40, 50_000)
  return s1
}

describe("HttpEndpoint", () => {
  it.scopedLive("binds a free port when asked for port 0", () =>
    Effect.gen(function*() {
      const { address } = yield* start
      expect(address.host).toBe("127.0.0.1")
      expect(address.port).toBeGreaterThan(0)
      expect(address.port).toBeLessThanOrEqual(65535)
    }))

  it.scopedLive("GET /metrics answers 200 with the Prometheus text of the live counters", () =>
    Effect.gen(function*() {
      const { metrics, base } = yield* start
      const s1 = addSomeTraffic(metrics)
      const response = yield* request(`${base}/metrics`)
      expect(response.status).toBe(200)
      expect(response.contentType).toBe(PROMETHEUS_CONTENT_TYPE)
      expect(response.contentType?.startsWith("text/plain; version=0.0.4")).toBe(true)
      expect(response.body).toBe(metrics.render())
      expect(response.body.split("\n")).toContain("rtsp_rtp_packets_sent_total 40")
      expect(response.body.split("\n")).toContain("rtsp_sessions{state=\"playing\"} 1")

      // Each scrape reads the counters anew.
      sendFrames(metrics, s1, 1, 8, 10_000)
      const again = yield* request(`${base}/metrics`)
      expect(again.body.split("\n")).toContain("rtsp_rtp_packets_sent_total 48")
    }))

  it.scopedLive("GET /healthz answers 200 JSON with uptime, connections and live sessions", () =>
    Effect.gen(function*() {
      const { metrics, base } = yield* start
      addSomeTraffic(metrics)
      const response = yield* request(`${base}/healthz`)
      expect(response.status).toBe(200)
      expect(response.contentType).toContain("application/json")
      const health = JSON.parse(response.body) as Health
      expect(health.status).toBe("ok")
      expect(health.connections).toBe(1)
      expect(health.sessions).toBe(2)
      expect(Number.isInteger(health.uptimeSeconds)).toBe(true)
      expect(health.uptimeSeconds).toBeGreaterThanOrEqual(0)
      expect(health.uptimeSeconds).toBeLessThan(60)
    }))

  it.scopedLive("answers 404 for any other path or method", () =>
    Effect.gen(function*() {
      const { base } = yield* start
      for (const [path, method] of [["/", "GET"], ["/metrics/extra", "GET"], ["/favicon.ico", "GET"], ["/metrics", "POST"], ["/healthz", "DELETE"]] as const) {
        const response = yield* request(`${base}${path}`, { method })
        expect([path, method, response.status]).toEqual([path, method, 404])
      }
    }))

  it.scopedLive("fails with HttpEndpointError when the port is taken", () =>
    Effect.gen(function*() {
      const { address } = yield* start
      const second = yield* Effect.exit(Effect.scoped(
        Layer.build(httpLayer({ host: "127.0.0.1", port: address.port }).pipe(Layer.provide(Layer.sync(Metrics, makeServerMetrics))))
      ))
      expect(Exit.isFailure(second)).toBe(true)
      if (Exit.isFailure(second) && second.cause._tag === "Fail") {
        const error = second.cause.error
        expect(error).toBeInstanceOf(HttpEndpointError)
        expect(error.reason).toBe("Listen")
        expect(error.message).toContain(`cannot listen for HTTP on 127.0.0.1:${address.port}`)
        expect(error.message).toContain("EADDRINUSE")
      } else {
        expect.fail(`expected a typed failure, got ${String(second)}`)
      }
    }))

  it.live("stops listening when its scope closes", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const { base } = yield* Scope.extend(start, scope)
      expect((yield* request(`${base}/healthz`)).status).toBe(200)
      yield* Scope.close(scope, Exit.void)
      const after = yield* Effect.promise(() => fetch(`${base}/healthz`).then(() => "answered", () => "refused"))
      expect(after).toBe("refused")
    }))
})
