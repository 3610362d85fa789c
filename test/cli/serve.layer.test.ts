/** serveLayer: the RTSP server and HTTP endpoint started together, and a failed start that opens nothing. */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { connect, createServer, type Server } from "node:net"
import { serveLayer } from "../../src/cli/serve.js"
import { defaultServerConfig } from "../../src/server/config.js"
import { loggerLayer } from "../../src/server/logging.js"
import { Metrics } from "../../src/server/Metrics.js"
import { RtspServer } from "../../src/server/RtspServer.js"

/** A port that was free a moment ago (the HTTP endpoint's port must be known before it starts). */
const freePort = Effect.async<number>((resume) => {
  const probe = createServer()
  probe.listen(0, "127.0.0.1", () => {
    const address = probe.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    probe.close(() => resume(Effect.succeed(port)))
  })
})

/** Sends one RTSP request and resolves with the first reply's text. */
const rtspExchange = (port: number, request: string) =>
  Effect.async<string, Error>((resume) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(request))
    let received = ""
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1")
      if (received.includes("\r\n\r\n")) {
        socket.destroy()
        resume(Effect.succeed(received))
      }
    })
    socket.on("error", (error) => resume(Effect.fail(error)))
    return Effect.sync(() => socket.destroy())
  })

describe("serveLayer", () => {
  it.scopedLive("starts the RTSP server and the HTTP endpoint, sharing one Metrics", () =>
    Effect.gen(function*() {
      const httpPort = yield* freePort
      const context = yield* Layer.build(
        serveLayer({ ...defaultServerConfig, host: "127.0.0.1", port: 0, rtpPort: 0, httpPort, mediaRoot: "video" })
      ).pipe(Effect.provide(NodeContext.layer), Effect.provide(loggerLayer({ level: "none", format: "json" })))
      const server = Context.get(context, RtspServer)
      const metrics = Context.get(context, Metrics)
      expect(server.port).toBeGreaterThan(0)

      const reply = yield* rtspExchange(server.port, "OPTIONS rtsp://127.0.0.1/movie.Mjpeg RTSP/1.0\r\nCSeq: 1\r\n\r\n")
      expect(reply).toMatch(/^RTSP\/1\.0 200 /)
      expect(metrics.snapshot().requests).toEqual({ OPTIONS: 1 })

      const scrape = yield* Effect.promise(() => fetch(`http://127.0.0.1:${httpPort}/metrics`).then((r) => r.text()))
      expect(scrape.split("\n")).toContain("rtsp_requests_total{method=\"OPTIONS\"} 1")
      expect(scrape.split("\n")).toContain("rtsp_responses_total{code=\"200\"} 1")
      const health = yield* Effect.promise(() => fetch(`http://127.0.0.1:${httpPort}/healthz`).then((r) => r.json()))
      expect(health).toMatchObject({ status: "ok" })
    }))

  it.scopedLive("fails with the server's start error and never opens HTTP when the RTSP port is taken", () =>
    Effect.gen(function*() {
      const taken = yield* Effect.acquireRelease(
        Effect.async<Server>((resume) => {
          const blocker = createServer()
          blocker.listen(0, "127.0.0.1", () => resume(Effect.succeed(blocker)))
        }),
        (blocker) => Effect.async<void>((resume) => void blocker.close(() => resume(Effect.void)))
      )
      const address = taken.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const httpPort = yield* freePort
      const error = yield* Effect.flip(Effect.scoped(Layer.build(
        serveLayer({ ...defaultServerConfig, host: "127.0.0.1", port, rtpPort: 0, httpPort, mediaRoot: "video" })
      ))).pipe(Effect.provide(NodeContext.layer), Effect.provide(loggerLayer({ level: "none", format: "json" })))
      expect(error._tag).toBe("ServerStartError")
      expect(error.message).toContain(`${port}`)
      const http = yield* Effect.promise(() => fetch(`http://127.0.0.1:${httpPort}/healthz`).then(() => "answered", () => "refused"))
      expect(http).toBe("refused")
    }))
})
