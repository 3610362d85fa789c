/**
 * The README's embedding example, run: the server started as a layer inside
 * another Effect program with its own config, answering a real client.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel } from "effect"
import { Server } from "../src/index.js"
import { connect } from "../harness/client/RtspClient.js"

describe("embedding", () => {
  it.live("a server inside another Effect program", () =>
    Effect.gen(function* () {
      const rtsp = yield* Server.RtspServer
      const url = `rtsp://127.0.0.1:${rtsp.port}/movie.Mjpeg`
      // The harness client, closed with its scope before the assertions run.
      const reply = yield* Effect.scoped(Effect.flatMap(connect(url), (client) => client.request("OPTIONS", url)))
      expect(reply.status).toBe(200)
      expect(rtsp.sessions()).toEqual([])
    }).pipe(
      Effect.provide(Server.layer({ ...Server.defaultServerConfig, host: "127.0.0.1", port: 0, rtpPort: 0, mediaRoot: "video", loop: true }).pipe(
        Layer.provideMerge(Server.Metrics.layer),
        Layer.provide(NodeContext.layer)
      )),
      Effect.provide(Logger.minimumLogLevel(LogLevel.Error))
    ))
})
