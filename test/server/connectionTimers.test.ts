/**
 * The connection's timers run on the Effect Clock: here the server runs
 * under TestClock, so the 30 s stall timeout and the classic dialect's idle
 * framing are driven by TestClock.adjust, with no real waiting for them.
 * (Bytes still cross a real socket, so the test lets I/O happen between steps.)
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, TestClock } from "effect"
import { CLASSIC_REPLY_DELAY_MS, CLASSIC_REQUEST_IDLE_MS } from "../../src/protocol/rtsp/classic.js"
import { defaultServerConfig } from "../../src/server/config.js"
import * as Metrics from "../../src/server/Metrics.js"
import { RtspServer, layer as serverLayer } from "../../src/server/RtspServer.js"
import { connectClient, type TestRtspClient } from "../support/rtspTestClient.js"

const serverOnTestClock = Effect.gen(function*() {
  const context = yield* Layer.build(
    serverLayer({ ...defaultServerConfig, host: "127.0.0.1", port: 0, rtpPort: 0, mediaRoot: "video" }).pipe(
      Layer.provide(Metrics.layer),
      Layer.provide(NodeContext.layer),
      Layer.provide(Logger.minimumLogLevel(LogLevel.Error))
    )
  )
  return yield* Effect.provide(RtspServer, context)
})

const client = (port: number) =>
  Effect.acquireRelease(Effect.promise(() => connectClient(port)), (c) => Effect.sync(() => c.close()))

/** Real time for bytes to cross loopback and be handled (the test clock stands still meanwhile). */
const letIoHappen = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 150)))

const closed = (c: TestRtspClient) => Effect.promise(() => c.waitClosed(1000))

describe("connection timers on the Clock", () => {
  it.scoped("an incomplete request and then silence: closed after the idle timeout, not before, without a reply", () =>
    Effect.gen(function*() {
      const server = yield* serverOnTestClock
      const c = yield* client(server.port)
      // A partial start line never looks complete, so idle framing does not end it.
      c.send(`DESCRIBE rtsp://127.0.0.1:${server.port}/movie.Mjpeg RTS`)
      yield* letIoHappen
      yield* TestClock.adjust(`${defaultServerConfig.idleConnectionTimeoutSeconds * 1000 - 1} millis`)
      yield* letIoHappen
      expect(c.closed()).toBe(false)
      yield* TestClock.adjust("1 millis")
      expect(yield* closed(c)).toBe(true)
      expect(c.raw().length).toBe(0)
    }))

  it.scoped("more bytes of the request do not restart the stall timeout", () =>
    Effect.gen(function*() {
      const server = yield* serverOnTestClock
      const c = yield* client(server.port)
      c.send("DESCRIBE rtsp://127.0.0.1")
      yield* letIoHappen
      yield* TestClock.adjust("20 seconds")
      c.send(`:${server.port}/movie`)
      yield* letIoHappen
      yield* TestClock.adjust("10 seconds")
      expect(yield* closed(c)).toBe(true)
    }))

  it.scoped("a classic request without its blank line is framed after the idle pause, and answered after the reply delay", () =>
    Effect.gen(function*() {
      const server = yield* serverOnTestClock
      const c = yield* client(server.port)
      c.send("SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 25000")
      yield* letIoHappen
      yield* TestClock.adjust(`${CLASSIC_REQUEST_IDLE_MS - 1} millis`)
      yield* letIoHappen
      expect(c.raw().length).toBe(0)
      yield* TestClock.adjust("1 millis")
      yield* letIoHappen
      // Framed and handled; the reply waits for the classic client's delay.
      expect(c.raw().length).toBe(0)
      yield* TestClock.adjust(`${CLASSIC_REPLY_DELAY_MS} millis`)
      yield* letIoHappen
      const lines = c.raw().toString("latin1").split("\r\n")
      expect(lines.slice(0, 2)).toEqual(["RTSP/1.0 200 OK", "CSeq: 1"])
      expect(lines[2]).toMatch(/^Session: [1-9]\d{5}$/)
    }))
})
