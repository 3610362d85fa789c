/**
 * The harness RtspClient against the real server in-process, plus small node:net fakes for the
 * failure modes (refused connection, silent server, 401 challenges).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Exit, Stream } from "effect"
import { parseAuthorization, verifyDigestAuthorization } from "../../../src/protocol/rtsp/headers/auth.js"
import { getHeader } from "../../../src/protocol/rtsp/message.js"
import { makeRtspParser } from "../../../src/protocol/rtsp/parser.js"
import { connect, RtspClientError } from "../../../harness/client/RtspClient.js"
import { udpReceiver } from "../../support/rtspTestClient.js"
import { fakeTcpServer } from "../../support/fakeRtspServer.js"
import { startTestServer, type TestServer } from "../../support/testServer.js"

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server.close()
})

/** A TCP server on 127.0.0.1 for one test, closed (with its accepted sockets) with the scope. */
const fakeServer = fakeTcpServer

/** Answers every request with `answer(method, headers)`, echoing CSeq. */
const scriptedServer = (
  answer: (method: string, headers: ReadonlyArray<readonly [string, string]>, uri: string) => { status: number; headers?: Array<string>; delayMs?: number }
) =>
  fakeServer((socket) => {
    const parser = makeRtspParser()
    socket.on("data", (chunk: Buffer) => {
      for (const item of parser.push(chunk)) {
        if (item._tag !== "Request") continue
        const reply = answer(item.method, item.headers, item.uri)
        const lines = [`RTSP/1.0 ${reply.status} X`, `CSeq: ${getHeader(item.headers, "CSeq") ?? "0"}`, ...(reply.headers ?? []), "", ""]
        const send = (): void => void socket.write(lines.join("\r\n"))
        if (reply.delayMs === undefined) send()
        else setTimeout(send, reply.delayMs)
      }
    })
  })

const failureOf = <A>(exit: Exit.Exit<A, RtspClientError>): RtspClientError => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
  if (!(error instanceof RtspClientError)) throw new Error(`unexpected cause ${String(exit.cause)}`)
  return error
}

describe("RtspClient against the real server", () => {
  it.scopedLive("connects and sends OPTIONS with CSeq", () =>
    Effect.gen(function* () {
      const conn = yield* connect(server.url())
      const first = yield* conn.request("OPTIONS", server.url())
      expect(first.status).toBe(200)
      expect(getHeader(first.headers, "Public")).toContain("DESCRIBE")
      expect(getHeader(first.headers, "CSeq")).toBe("1")
      const second = yield* conn.request("OPTIONS", server.url())
      expect(getHeader(second.headers, "CSeq")).toBe("2")
      expect(second.elapsedMs).toBeGreaterThanOrEqual(0)
    })
  )

  it.scopedLive("describe resolves the MJPEG track URL", () =>
    Effect.gen(function* () {
      const conn = yield* connect(server.url())
      const described = yield* conn.describe(server.url())
      expect(described.trackUrl).toBe(`${server.url()}/streamid=0`)
      expect(described.sdp.media[0]?.kind).toBe("video")
      expect(described.contentBase.startsWith(server.url())).toBe(true)
    })
  )

  it.scopedLive("setupUdp + play delivers RTP to a bound UDP port", () =>
    Effect.gen(function* () {
      const rtpRx = yield* Effect.acquireRelease(Effect.promise(() => udpReceiver()), (r) => Effect.sync(() => r.close()))
      const rtcpRx = yield* Effect.acquireRelease(Effect.promise(() => udpReceiver()), (r) => Effect.sync(() => r.close()))
      const conn = yield* connect(server.url())
      const { trackUrl } = yield* conn.describe(server.url())
      const setup = yield* conn.setupUdp(trackUrl, rtpRx.port, rtcpRx.port)
      // A standard-dialect session id: 128 random bits in hex, and the server knows it.
      expect(setup.sessionId).toMatch(/^[0-9A-Fa-f]{32}$/)
      expect(server.info.sessions().map((s) => s.id)).toContain(setup.sessionId)
      expect(conn.sessionId()).toBe(setup.sessionId)
      // The server's bound RTP/RTCP pair, and the SSRC announced in the Transport reply.
      expect(setup.serverPorts).toEqual([server.info.rtpPort, server.info.rtcpPort])
      const announced = /;ssrc=([0-9A-F]{8})(?:;|$)/.exec(getHeader(setup.response.headers, "Transport") ?? "")?.[1]
      expect(announced).toMatch(/^[0-9A-F]{8}$/)
      expect(setup.ssrc).toBe(Number.parseInt(announced!, 16))
      const played = yield* conn.play(server.url())
      expect(played.status).toBe(200)
      expect(played.rtpInfo?.[0]?.url).toContain("streamid=0")
      const got = yield* Effect.promise(() => rtpRx.waitFor(5, 4000))
      expect(got).toBeGreaterThanOrEqual(5)
      // RTP version 2 and the announced SSRC.
      const packet = rtpRx.packets[0]!.data
      expect(packet[0]! >> 6).toBe(2)
      expect(packet.readUInt32BE(8)).toBe(setup.ssrc)
      const paused = yield* conn.pause(server.url())
      expect(paused.status).toBe(200)
      const torn = yield* conn.teardown(server.url())
      expect(torn.status).toBe(200)
      expect(conn.sessionId()).toBeUndefined()
    })
  )

  it.scopedLive("setupTcp + play yields interleaved frames on channel 0", () =>
    Effect.gen(function* () {
      const conn = yield* connect(server.url())
      const { trackUrl } = yield* conn.describe(server.url())
      const setup = yield* conn.setupTcp(trackUrl)
      expect(setup.channels).toEqual([0, 1])
      yield* conn.play(server.url())
      const frames = yield* conn.interleaved.pipe(
        Stream.filter((f) => f.channel === setup.channels[0]),
        Stream.take(5),
        Stream.runCollect,
        Effect.timeout("4 seconds")
      )
      const list = Chunk.toReadonlyArray(frames)
      expect(list).toHaveLength(5)
      for (const frame of list) expect(frame.payload[0]! >> 6).toBe(2)
      // Requests still work while frames flow.
      const torn = yield* conn.teardown(server.url())
      expect(torn.status).toBe(200)
    })
  )

  it.scopedLive("a refused request fails with reason Status, its status and method", () =>
    Effect.gen(function* () {
      const conn = yield* connect(server.url())
      const notValid = failureOf(yield* Effect.exit(conn.play(server.url())))
      expect(notValid.reason).toBe("Status")
      expect(notValid.status).toBe(455)
      expect(notValid.method).toBe("PLAY")
      const unknown = failureOf(yield* Effect.exit(conn.pause(server.url(), { headers: { Session: "nosuchsession" } })))
      expect(unknown).toMatchObject({ reason: "Status", status: 454, method: "PAUSE" })
      const missing = failureOf(yield* Effect.exit(conn.describe(server.url("nope.Mjpeg"))))
      expect(missing).toMatchObject({ reason: "Status", method: "DESCRIBE" })
      expect(missing.status).toBeGreaterThanOrEqual(400)
    })
  )
})

describe("RtspClient failure modes", () => {
  it.scopedLive("a closed port fails with reason Connect", () =>
    Effect.gen(function* () {
      const port = yield* Effect.scoped(fakeServer(() => undefined))
      const error = failureOf(yield* Effect.exit(connect(`rtsp://127.0.0.1:${port}/movie.Mjpeg`)))
      expect(error.reason).toBe("Connect")
    })
  )

  it.scopedLive("a server that never answers fails with reason Timeout", () =>
    Effect.gen(function* () {
      const port = yield* fakeServer(() => undefined)
      const conn = yield* connect(`rtsp://127.0.0.1:${port}/movie.Mjpeg`, { timeoutMs: 300 })
      const started = Date.now()
      const error = failureOf(yield* Effect.exit(conn.request("OPTIONS", `rtsp://127.0.0.1:${port}/movie.Mjpeg`)))
      expect(error).toMatchObject({ reason: "Timeout", method: "OPTIONS" })
      expect(Date.now() - started).toBeLessThan(2000)
      const perRequest = failureOf(yield* Effect.exit(conn.request("OPTIONS", "*", {}, { timeoutMs: 50 })))
      expect(perRequest.reason).toBe("Timeout")
    })
  )

  it.scopedLive("a late reply to a timed-out request is skipped, not taken for the next one", () =>
    Effect.gen(function* () {
      let count = 0
      const port = yield* scriptedServer(() => {
        count += 1
        return count === 1 ? { status: 503, delayMs: 150 } : { status: 200 }
      })
      const conn = yield* connect(`rtsp://127.0.0.1:${port}/x`)
      const late = failureOf(yield* Effect.exit(conn.request("OPTIONS", "*", {}, { timeoutMs: 50 })))
      expect(late.reason).toBe("Timeout")
      yield* Effect.sleep("200 millis")
      const next = yield* conn.request("OPTIONS", "*")
      expect(next.status).toBe(200)
      expect(getHeader(next.headers, "CSeq")).toBe("2")
    })
  )

  it.scopedLive("a server closing the connection fails requests with reason Closed", () =>
    Effect.gen(function* () {
      const port = yield* fakeServer((socket) => socket.end())
      const conn = yield* connect(`rtsp://127.0.0.1:${port}/x`, { timeoutMs: 1000 })
      const error = failureOf(yield* Effect.exit(conn.request("OPTIONS", "*")))
      expect(error.reason).toBe("Closed")
    })
  )

  it.scopedLive("answers a Digest 401 once with credentials from the URL", () =>
    Effect.gen(function* () {
      const seen: Array<string | undefined> = []
      const uris: Array<string> = []
      const port = yield* scriptedServer((method, headers, uri) => {
        uris.push(uri)
        const auth = getHeader(headers, "Authorization")
        seen.push(auth)
        const parsed = auth === undefined ? undefined : parseAuthorization(auth)
        const ok =
          parsed !== undefined &&
          Either.isRight(parsed) &&
          parsed.right._tag === "Digest" &&
          parsed.right.username === "alice" &&
          verifyDigestAuthorization(parsed.right, { password: "s3cret", method })
        return ok
          ? { status: 200 }
          : { status: 401, headers: ['WWW-Authenticate: Basic realm="r"', 'WWW-Authenticate: Digest realm="r", nonce="abc123", qop="auth"'] }
      })
      const url = `rtsp://alice:s3cret@127.0.0.1:${port}/movie.Mjpeg`
      const conn = yield* connect(url)
      const first = yield* conn.request("OPTIONS", url)
      expect(first.status).toBe(200)
      expect(seen).toHaveLength(2)
      expect(seen[0]).toBeUndefined()
      expect(seen[1]).toContain("Digest")
      expect(seen[1]).not.toContain("s3cret")
      expect(uris[0]).toBe(`rtsp://127.0.0.1:${port}/movie.Mjpeg`)
      // Later requests answer the known challenge up front.
      const second = yield* conn.request("DESCRIBE", url)
      expect(second.status).toBe(200)
      expect(seen).toHaveLength(3)
    })
  )

  it.scopedLive("answers a Basic 401 with explicit credentials, and a second 401 is a Status failure", () =>
    Effect.gen(function* () {
      const expected = `Basic ${Buffer.from("bob:pw").toString("base64")}`
      const port = yield* scriptedServer((method, headers) =>
        method === "OPTIONS" && getHeader(headers, "Authorization") === expected
          ? { status: 200 }
          : { status: 401, headers: ['WWW-Authenticate: Basic realm="r"'] }
      )
      const url = `rtsp://127.0.0.1:${port}/movie.Mjpeg`
      const conn = yield* connect(url, { username: "bob", password: "pw" })
      const ok = yield* conn.request("OPTIONS", url)
      expect(ok.status).toBe(200)
      const refused = failureOf(yield* Effect.exit(conn.describe(url)))
      expect(refused).toMatchObject({ reason: "Status", status: 401, method: "DESCRIBE" })
    })
  )
})
