/**
 * Multicast SETUP, in process and without playing (a group's packets must not leave this host:
 * playing is tested in a network namespace, test/interop/multicast.test.ts). Every member of a
 * live path's group is told the same group, ports and SSRC; each path has its own group; the group
 * goes with its last member and its address is handed out again; a path that is not live, a range
 * used up and `multicast: false` get 461; a member is set up once (455); /metrics counts the
 * groups and their members; a published path's group closes with its publisher.
 */
import { copyFileSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { parseTransport } from "../../src/protocol/rtsp/headers/transport.js"
import { connectClient, sessionIdOf, type TestRtspClient } from "../support/rtspTestClient.js"
import { announcePath } from "../support/testPublisher.js"
import { startTestServer, type TestServer } from "../support/testServer.js"
import { Effect, Either } from "effect"
import { makeClientSession } from "../../harness/session/ClientSession.js"
import { waitUntil, waitUntilAsync } from "../support/polling.js"
import { header } from "./standardDialectKit.js"

const media = mkdtempSync(join(tmpdir(), "multicast-media-"))
for (const name of ["movie.Mjpeg", "second.Mjpeg", "vod.Mjpeg"]) copyFileSync("video/movie.Mjpeg", join(media, name))

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ mediaRoot: media, live: ["movie.Mjpeg", "second.Mjpeg"], publish: true })
})
afterAll(async () => {
  await server.close()
})

const MULTICAST = "RTP/AVP;multicast"

const transportOf = (reply: Awaited<ReturnType<TestRtspClient["request"]>>) => {
  const parsed = parseTransport(header(reply, "Transport") ?? "")
  if (Either.isLeft(parsed)) throw new Error(`bad Transport in the reply: ${header(reply, "Transport")}`)
  return parsed.right[0]!
}

const withClients = async (n: number, body: (clients: ReadonlyArray<TestRtspClient>) => Promise<void>, target = server): Promise<void> => {
  const clients = await Promise.all(Array.from({ length: n }, () => connectClient(target.info.port)))
  try {
    await body(clients)
  } finally {
    for (const client of clients) client.close()
  }
}

describe("SETUP with RTP/AVP;multicast on a live channel", () => {
  it("tells every member the same group, port pair, ttl and SSRC; another path gets the next group", () =>
    withClients(3, async ([a, b, c]) => {
      const first = await a!.request("SETUP", server.url("movie.Mjpeg/streamid=0"), { Transport: MULTICAST })
      const second = await b!.request("SETUP", server.url("movie.Mjpeg/streamid=0"), { Transport: "RTP/AVP;multicast;destination=10.0.0.1;port=4000-4001;ttl=9" })
      const other = await c!.request("SETUP", server.url("second.Mjpeg/streamid=0"), { Transport: MULTICAST })
      expect([first.statusCode, second.statusCode, other.statusCode]).toEqual([200, 200, 200])
      expect(header(first, "Transport")).toMatch(/^RTP\/AVP;multicast;destination=239\.255\.42\.1;ttl=1;port=8002-8003;ssrc=[0-9A-F]{8}$/)
      // The group is the server's choice: what the client asked for is not where it goes.
      expect(header(second, "Transport")).toBe(header(first, "Transport"))
      expect(transportOf(other)).toMatchObject({ delivery: "multicast", destination: "239.255.42.2", port: { first: 8004, last: 8005 }, ttl: 1 })
      expect(sessionIdOf(first)).not.toBe(sessionIdOf(second))
      expect(server.metrics.snapshot().multicast).toEqual({
        "movie.Mjpeg": { group: "239.255.42.1:8002", members: 2, playing: 0, packetsSent: 0 },
        "second.Mjpeg": { group: "239.255.42.2:8004", members: 1, playing: 0, packetsSent: 0 }
      })
      const text = server.metrics.render()
      expect(text).toContain("rtsp_multicast_groups 2")
      expect(text).toContain('rtsp_multicast_members{path="movie.Mjpeg",group="239.255.42.1:8002"} 2')
      expect(text).toContain('rtsp_sessions_started_total{dialect="standard",transport="multicast"}')
    }))

  it("the group goes with its last member (TEARDOWN or the connection), and its address is handed out again", () =>
    withClients(3, async ([a, b, c]) => {
      await noGroupsLeft()
      const one = await a!.request("SETUP", server.url("second.Mjpeg/streamid=0"), { Transport: MULTICAST })
      const two = await b!.request("SETUP", server.url("second.Mjpeg/streamid=0"), { Transport: MULTICAST })
      expect(transportOf(one).destination).toBe("239.255.42.1")
      expect((await a!.request("TEARDOWN", server.url("second.Mjpeg"), { Session: sessionIdOf(one) })).statusCode).toBe(200)
      expect(server.metrics.snapshot().multicast?.["second.Mjpeg"]?.members).toBe(1)
      b!.close()
      await b!.waitClosed()
      await expectEventually(() => server.metrics.snapshot().multicast?.["second.Mjpeg"] === undefined)
      expect(server.info.sessions().some((s) => s.id === sessionIdOf(two))).toBe(false)
      const again = await c!.request("SETUP", server.url("movie.Mjpeg/streamid=0"), { Transport: MULTICAST })
      expect(transportOf(again).destination).toBe("239.255.42.1")
    }))

  it("a member's second SETUP is 455 (its transport is set once), whose Allow has no SETUP", () =>
    withClients(1, async ([a]) => {
      const setup = await a!.request("SETUP", server.url("movie.Mjpeg/streamid=0"), { Transport: MULTICAST })
      const session = sessionIdOf(setup)
      const again = await a!.request("SETUP", server.url("movie.Mjpeg/streamid=0"), { Session: session, Transport: "RTP/AVP;unicast;client_port=5000-5001" })
      expect(again.statusCode).toBe(455)
      expect(header(again, "Allow")).not.toContain("SETUP")
    }))
})

describe("multicast refused", () => {
  it("461 for a file that is not a live channel; a unicast spec after it is taken instead", () =>
    withClients(1, async ([a]) => {
      expect((await a!.request("SETUP", server.url("vod.Mjpeg/streamid=0"), { Transport: MULTICAST })).statusCode).toBe(461)
      const fallback = await a!.request("SETUP", server.url("vod.Mjpeg/streamid=0"), { Transport: `${MULTICAST}, RTP/AVP;unicast;client_port=5000-5001` })
      expect(fallback.statusCode).toBe(200)
      expect(transportOf(fallback)).toMatchObject({ delivery: "unicast", clientPort: { first: 5000, last: 5001 } })
    }))

  it("461 over TCP (RTP/AVP/TCP;multicast)", () =>
    withClients(1, async ([a]) => {
      expect((await a!.request("SETUP", server.url("movie.Mjpeg/streamid=0"), { Transport: "RTP/AVP/TCP;multicast" })).statusCode).toBe(461)
    }))

  it("461 for a second path when the range has one group, until the first is free", async () => {
    const small = await startTestServer({ mediaRoot: media, live: ["movie.Mjpeg", "second.Mjpeg"], multicastRange: "239.1.1.1/32" })
    try {
      await withClients(2, async ([a, b]) => {
        const first = await a!.request("SETUP", small.url("movie.Mjpeg/streamid=0"), { Transport: MULTICAST })
        expect(transportOf(first).destination).toBe("239.1.1.1")
        expect((await b!.request("SETUP", small.url("second.Mjpeg/streamid=0"), { Transport: MULTICAST })).statusCode).toBe(461)
        await a!.request("TEARDOWN", small.url("movie.Mjpeg"), { Session: sessionIdOf(first) })
        expect((await b!.request("SETUP", small.url("second.Mjpeg/streamid=0"), { Transport: MULTICAST })).statusCode).toBe(200)
      }, small)
    } finally {
      await small.close()
    }
  })

  it("461 everywhere with multicast off, and /metrics has no multicast families", async () => {
    const off = await startTestServer({ mediaRoot: media, live: ["movie.Mjpeg"], multicast: false })
    try {
      await withClients(1, async ([a]) => {
        expect((await a!.request("SETUP", off.url("movie.Mjpeg/streamid=0"), { Transport: MULTICAST })).statusCode).toBe(461)
        expect(off.metrics.render()).not.toContain("rtsp_multicast_groups")
      }, off)
    } finally {
      await off.close()
    }
  })
})

describe("a unicast viewer meanwhile", () => {
  it.scopedLive("plays on undisturbed while multicast SETUPs are refused and groups open and close", () =>
    Effect.gen(function* () {
      let frames = 0
      const viewer = yield* makeClientSession({ url: server.url("movie.Mjpeg"), transport: "udp", udpFallbackMs: 0, onFrame: () => { frames++ } })
      yield* viewer.setup
      yield* viewer.play()
      yield* Effect.promise(() => withClients(2, async ([a, b]) => {
        for (let round = 0; round < 5; round++) {
          expect((await a!.request("SETUP", server.url("vod.Mjpeg/streamid=0"), { Transport: MULTICAST })).statusCode).toBe(461)
          expect((await a!.request("SETUP", server.url("movie.Mjpeg/streamid=0"), { Transport: "RTP/AVP/TCP;multicast" })).statusCode).toBe(461)
          const member = await b!.request("SETUP", server.url("movie.Mjpeg/streamid=0"), { Transport: MULTICAST })
          expect(member.statusCode).toBe(200)
          expect((await b!.request("TEARDOWN", server.url("movie.Mjpeg"), { Session: sessionIdOf(member) })).statusCode).toBe(200)
        }
      }))
      const seen = frames
      expect(yield* waitUntil(() => frames >= seen + 10, 3000)).toBe(true)
      expect(viewer.live().rtp.packetsLost).toBe(0)
      yield* viewer.teardown
    }))
})

describe("multicast on a published path", () => {
  it("a viewer gets the path's group; the publisher's TEARDOWN closes it, and the member's PLAY is then 404", () =>
    withClients(1, async ([viewer]) => {
      const publisher = await announcePath(server.info.port, "live/mc")
      try {
        expect((await publisher.record()).statusCode).toBe(200)
        const setup = await viewer!.request("SETUP", server.url("live/mc/streamid=0"), { Transport: MULTICAST })
        expect(setup.statusCode).toBe(200)
        expect(transportOf(setup)).toMatchObject({ delivery: "multicast", port: { last: transportOf(setup).port!.first + 1 } })
        expect(server.metrics.snapshot().multicast?.["live/mc"]?.members).toBe(1)
        expect((await publisher.teardown()).statusCode).toBe(200)
        expect(server.metrics.snapshot().multicast?.["live/mc"]).toBeUndefined()
        expect((await viewer!.request("PLAY", server.url("live/mc"), { Session: sessionIdOf(setup) })).statusCode).toBe(404)
        expect((await viewer!.request("TEARDOWN", server.url("live/mc"), { Session: sessionIdOf(setup) })).statusCode).toBe(200)
      } finally {
        publisher.client.close()
      }
    }))
})

const expectEventually = async (condition: () => boolean): Promise<void> => {
  expect(await waitUntilAsync(condition, 2000)).toBe(true)
}

/** The earlier tests' connections are closed, and their sessions end a moment later. */
const noGroupsLeft = () => expectEventually(() => Object.keys(server.metrics.snapshot().multicast ?? {}).length === 0)
