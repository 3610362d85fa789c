/**
 * A server that drops the RTSP connection while playing: the session says so at once (no
 * button press needed), the page falls back to INIT with the reason in words, and Setup works
 * again.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { RtspClientError } from "../../../harness/client/RtspClient.js"
import { makeClientSession } from "../../../harness/session/ClientSession.js"
import { makePageSession } from "../../../harness/web/PageSession.js"
import { fakeRtspServer, mjpegDescribeReply } from "../../support/fakeRtspServer.js"
import { eventually } from "../../support/polling.js"

/** DESCRIBE, SETUP (TCP), then PLAY answered 200 and the connection dropped right after. */
const droppingServer = fakeRtspServer((request, conn) => {
  switch (request.method) {
    case "DESCRIBE":
      return mjpegDescribeReply(request.uri)
    case "SETUP":
      return { status: 200, headers: ["Transport: RTP/AVP/TCP;unicast;interleaved=0-1", "Session: 42;timeout=60"] }
    case "PLAY":
      setTimeout(() => conn.socket.destroy(), 50)
      return { status: 200, headers: ["Session: 42"] }
    default:
      return { status: 200, headers: ["Session: 42"] }
  }
})

describe("connection lost", () => {
  it.scopedLive("ClientSession reports it once and is closed from then on", () =>
    Effect.gen(function* () {
      const port = yield* droppingServer
      const lost: Array<RtspClientError> = []
      const session = yield* makeClientSession({ url: `rtsp://127.0.0.1:${port}/movie.Mjpeg`, transport: "tcp", onConnectionLost: (e) => lost.push(e) })
      yield* session.setup
      yield* session.play()
      yield* eventually(() => lost.length > 0)
      expect(lost).toHaveLength(1)
      expect(lost[0]?.reason).toBe("Closed")
      expect(session.live().state).toBe("closed")
    }))

  it.scopedLive("the page falls back to INIT with the reason, and Setup works again", () =>
    Effect.gen(function* () {
      const port = yield* droppingServer
      const page = yield* makePageSession({ id: "page-connection-lost" })
      const request = { url: `rtsp://127.0.0.1:${port}/movie.Mjpeg`, transport: "tcp" as const, dialect: "standard" as const }
      yield* page.setup(request)
      const playing = yield* page.play
      expect(playing.state).toBe("playing")
      yield* eventually(() => page.status().state === "init")
      const status = page.status()
      expect(status.allowed).toEqual(["setup"])
      expect(status.error).toMatch(/^The server closed the connection/)
      const again = yield* page.setup(request)
      expect(again.state).toBe("ready")
      expect(again.error).toBeUndefined()
    }))
})
