/**
 * A defect in a request handler (a bug, here a media library that dies) is
 * answered 500 and logged at error level with its cause; the connection
 * stays open and answers its next request.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger } from "effect"
import { MediaLibrary } from "../../src/media/MediaLibrary.js"
import { defaultServerConfig } from "../../src/server/config.js"
import * as FrameScheduler from "../../src/server/FrameScheduler.js"
import * as Metrics from "../../src/server/Metrics.js"
import { make, RtspServer } from "../../src/server/RtspServer.js"
import { connectClient } from "../support/rtspTestClient.js"

const dyingLibrary = Layer.succeed(MediaLibrary, MediaLibrary.of({
  resolve: () => Effect.die(new Error("library bug")),
  scan: Effect.succeed({ servable: [], refused: [] })
}))

describe("a defect in a handler", () => {
  it.scopedLive("is answered 500, logged with its cause, and the connection goes on", () =>
    Effect.gen(function*() {
      const logged: Array<{ level: string; text: string }> = []
      const capture = Logger.make(({ logLevel, message, cause }) => {
        logged.push({ level: logLevel.label, text: `${String(message)} ${String(cause)}` })
      })
      const context = yield* Layer.build(
        Layer.scoped(RtspServer, make({ ...defaultServerConfig, host: "127.0.0.1", port: 0, rtpPort: 0 })).pipe(
          Layer.provide(Layer.mergeAll(dyingLibrary, FrameScheduler.layer, Metrics.layer)),
          Layer.provide(NodeContext.layer),
          Layer.provide(Logger.replace(Logger.defaultLogger, capture))
        )
      )
      const server = yield* Effect.provide(RtspServer, context)
      const client = yield* Effect.acquireRelease(Effect.promise(() => connectClient(server.port)), (c) => Effect.sync(() => c.close()))
      const url = `rtsp://127.0.0.1:${server.port}/movie.Mjpeg`
      const described = yield* Effect.promise(() => client.request("DESCRIBE", url))
      expect(described.statusCode).toBe(500)
      const options = yield* Effect.promise(() => client.request("OPTIONS", url))
      expect(options.statusCode).toBe(200)
      const errors = logged.filter((entry) => entry.level === "ERROR")
      expect(errors).toHaveLength(1)
      expect(errors[0]!.text).toContain("DESCRIBE failed: a defect in its handler")
      expect(errors[0]!.text).toContain("library bug")
    }))
})
