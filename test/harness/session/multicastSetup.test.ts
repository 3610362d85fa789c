/**
 * ClientSession's multicast SETUP against scripted servers on 127.0.0.1 whose replies never let
 * it join a group (a refusal, a reply without a group or a port): the request is
 * `RTP/AVP;multicast`, the error says what was wrong, and nothing falls back to UDP or TCP.
 * No datagram is sent or group joined here (real multicast is tested in a network namespace).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { getHeader } from "../../../src/protocol/rtsp/message.js"
import { makeClientSession } from "../../../harness/session/ClientSession.js"
import { type FakeReply, fakeRtspServer, mjpegDescribeReply } from "../../support/fakeRtspServer.js"

/** DESCRIBE as usual; every SETUP answered `setup`, its Transport header kept in `asked`. */
const serverAnswering = (setup: FakeReply, asked: Array<string>) =>
  fakeRtspServer((request) => {
    if (request.method === "DESCRIBE") return mjpegDescribeReply(request.uri)
    if (request.method === "SETUP") {
      asked.push(getHeader(request.headers, "Transport") ?? "")
      return setup
    }
    return { status: 200 }
  })

const setupFailure = (setup: FakeReply) =>
  Effect.gen(function* () {
    const asked: Array<string> = []
    const port = yield* serverAnswering(setup, asked)
    const session = yield* makeClientSession({ url: `rtsp://127.0.0.1:${port}/live`, transport: "multicast", keepAlive: false })
    const error = yield* Effect.flip(session.setup)
    const snapshot = session.snapshot()
    return { message: error.message, asked, snapshot }
  })

describe("ClientSession: multicast SETUP that cannot be joined", () => {
  it.scopedLive("461: the server refused multicast, said once; no second SETUP over UDP or TCP", () =>
    Effect.gen(function* () {
      const { message, asked, snapshot } = yield* setupFailure({ status: 461 })
      expect(message).toBe("the server refused multicast: 461 Unsupported transport")
      expect(asked).toEqual(["RTP/AVP;multicast"])
      expect(snapshot.transport).toBe("multicast")
      expect(snapshot.fallback).toBeUndefined()
      expect(snapshot.multicastGroup).toBeUndefined()
      expect(snapshot.requests.map((r) => [r.method, r.status])).toEqual([["DESCRIBE", 200], ["SETUP", 461]])
    }))

  it.scopedLive("a 200 that names no group, or no port, is a protocol error naming what is missing", () =>
    Effect.gen(function* () {
      const noGroup = yield* setupFailure({ status: 200, headers: ["Session: 42;timeout=60", "Transport: RTP/AVP;multicast;port=8002-8003;ttl=1"] })
      expect(noGroup.message).toBe("multicast SETUP reply names no group (destination=): RTP/AVP;multicast;port=8002-8003;ttl=1")
      const noPort = yield* setupFailure({ status: 200, headers: ["Session: 42;timeout=60", "Transport: RTP/AVP;multicast;destination=239.255.42.1;ttl=1"] })
      expect(noPort.message).toBe("multicast SETUP reply names no port (port=): RTP/AVP;multicast;destination=239.255.42.1;ttl=1")
      expect([noGroup.asked, noPort.asked]).toEqual([["RTP/AVP;multicast"], ["RTP/AVP;multicast"]])
    }))
})
