/**
 * ClientSession against the real server in-process: both transports, the classic dialect,
 * PAUSE, TEARDOWN's BYE, receiver reports and the UDP -> TCP fallback. Streams run on the real
 * clock (pacing is the point), for a second or two each.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as dgram from "node:dgram"
import * as net from "node:net"
import { parseJpeg } from "../../../src/protocol/jpeg/markers.js"
import { toRfc2435Frame } from "../../../src/protocol/jpeg/rfc2435Frame.js"
import { packetizeRfc2435 } from "../../../src/protocol/jpeg/rfc2435Packetizer.js"
import { encodeRtpPacket } from "../../../src/protocol/rtp.js"
import { serializeInterleaved } from "../../../src/protocol/rtsp/serializer.js"
import { interleavedMjpegServer } from "../../support/fakeRtspServer.js"
import { waitUntil } from "../../support/polling.js"
import { sampleFrames } from "../../support/gstRtspServer.js"
import type { WireExchange } from "../../../harness/client/RtspClient.js"
import { makeClientSession } from "../../../harness/session/ClientSession.js"
import { startTestServer, type TestServer } from "../../support/testServer.js"

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server.close()
})

const FPS = 20

/** A scripted server that refuses UDP with 461 and, over TCP, sends the sample's first 3 frames interleaved after PLAY. */
const tcpOnlyServer = Effect.suspend(() => {
  const frames = sampleFrames().slice(0, 3).map((jpeg) => Either.getOrThrow(toRfc2435Frame(jpeg, Either.getOrThrow(parseJpeg(jpeg)))))
  const sendFrames = (socket: net.Socket): void => {
    let seq = 100
    frames.forEach((frame, index) => {
      const payloads = Either.getOrThrow(packetizeRfc2435(frame, { mtu: 1400 }))
      payloads.forEach((payload, i) => {
        const header = { marker: i === payloads.length - 1, payloadType: 26, sequenceNumber: seq++, timestamp: index * 4500, ssrc: 7, csrcs: [] }
        socket.write(serializeInterleaved(0, encodeRtpPacket({ header, payload: Buffer.from(payload), paddingLength: 0 })))
      })
    })
  }
  return interleavedMjpegServer("12345678", sendFrames)
})

/**
 * The lab's Server.py as it behaves on the wire: each request arrives in one write without a
 * final blank line; replies are three lines by position with no blank line after them; PLAY
 * sends whole JPEGs in RTP (PT 26, seq 1, 2, 3) to the client_port on the RTSP peer's address.
 */
const classicLabServer = (seen: Array<string>) =>
  Effect.acquireRelease(
    Effect.async<net.Server>((resume) => {
      const frames = sampleFrames().slice(0, 3)
      const udp = dgram.createSocket("udp4")
      const srv = net.createServer((socket) => {
        socket.on("error", () => undefined)
        let clientPort = 0
        socket.on("data", (chunk: Buffer) => {
          const text = chunk.toString("latin1")
          seen.push(text)
          const lines = text.split("\n")
          const cseq = (lines[1] ?? "").replace(/^CSeq:\s*/, "")
          const port = /client_port\s*=\s*(\d+)/.exec(text)
          if (port) clientPort = Number(port[1])
          socket.write(`RTSP/1.0 200 OK\nCSeq: ${cseq}\nSession: 123456`)
          if (lines[0]?.startsWith("PLAY")) {
            frames.forEach((jpeg, i) => {
              const header = { marker: false, payloadType: 26, sequenceNumber: i + 1, timestamp: i * 4500, ssrc: 0, csrcs: [] }
              udp.send(encodeRtpPacket({ header, payload: jpeg, paddingLength: 0 }), clientPort, "127.0.0.1")
            })
          }
        })
      })
      srv.on("close", () => udp.close())
      srv.listen(0, "127.0.0.1", () => resume(Effect.succeed(srv)))
    }),
    (srv) => Effect.async<void>((resume) => void srv.close(() => resume(Effect.void)))
  ).pipe(Effect.map((srv) => (srv.address() as net.AddressInfo).port))

describe("ClientSession", () => {
  it.scopedLive("UDP: DESCRIBE, SETUP, PLAY 1.5 s; whole frames at the file's rate, nothing lost; TEARDOWN brings BYE", () =>
    Effect.gen(function* () {
      const frames: Array<number> = []
      const wire: Array<WireExchange> = []
      const session = yield* makeClientSession({
        url: server.url(),
        transport: "udp",
        expectedFps: FPS,
        rtcpIntervalMs: 300,
        onFrame: (_, i) => frames.push(i),
        onExchange: (exchange) => wire.push(exchange)
      })
      yield* session.options
      yield* session.setup
      const play = yield* session.play()
      expect(play.status).toBe(200)
      yield* Effect.sleep("1500 millis")
      yield* session.teardown
      expect(yield* session.awaitBye(2000)).toBe(true)
      const s = session.snapshot()
      expect(s.transport).toBe("udp")
      expect(s.fallback).toBeUndefined()
      expect(s.state).toBe("closed")
      expect(s.timeoutSeconds).toBe(60)
      expect(s.receiver.frames.framesReceived).toBeGreaterThanOrEqual(20)
      expect(s.receiver.frames.framesReceived).toBeLessThanOrEqual(40)
      expect(frames).toEqual([...Array(s.receiver.frames.framesReceived).keys()])
      expect(s.receiver.rtp.packetsLost).toBe(0)
      expect(s.receiver.frames.framesDropped).toBe(0)
      expect(s.receiver.frames.timestampsConsistent).toBe(true)
      expect(s.receiver.frames.startupMs).toBeGreaterThanOrEqual(0)
      expect(s.senderReports).toBeGreaterThanOrEqual(1)
      expect(s.receiverReportsSent).toBeGreaterThanOrEqual(2)
      expect(s.frameArrivalsMs).toHaveLength(s.receiver.frames.framesReceived)
      expect(s.jitterSeries.length).toBeGreaterThan(0)
      // The RTP-Info of the (only) PLAY reply: a 16-bit starting sequence number.
      expect(s.firstRtpInfo).toEqual(play.rtpInfo)
      const firstSeq = s.firstRtpInfo?.[0]?.seq
      expect(Number.isInteger(firstSeq) && firstSeq! >= 0 && firstSeq! <= 0xffff).toBe(true)
      expect(s.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["OPTIONS 200", "DESCRIBE 200", "SETUP 200", "PLAY 200", "TEARDOWN 200"])
      expect(wire[0]?.request).toMatch(/^OPTIONS rtsp:\/\/127\.0\.0\.1:\d+\/movie\.Mjpeg RTSP\/1\.0\r\nCSeq: 1\r\n/)
      expect(wire[0]?.response).toMatch(/^RTSP\/1\.0 200 OK\r\nCSeq: 1\r\n/)
      expect(wire[2]?.request).toContain("Transport: RTP/AVP;unicast;client_port=")
    }))

  it.scopedLive("UDP: another SSRC's packets on our port (an earlier owner's stream) are counted as strays and change no figure", () =>
    Effect.gen(function* () {
      const wire: Array<WireExchange> = []
      // No onFrame: the counting path a load run takes.
      const session = yield* makeClientSession({ url: server.url(), transport: "udp", expectedFps: FPS, onExchange: (exchange) => wire.push(exchange) })
      yield* session.setup
      const clientPort = Number(/client_port=(\d+)/.exec(wire.find((w) => w.request.startsWith("SETUP"))?.request ?? "")?.[1])
      expect(clientPort).toBeGreaterThan(0)
      yield* session.play()
      const stray = dgram.createSocket("udp4")
      yield* Effect.addFinalizer(() => Effect.sync(() => stray.close()))
      const strays = 25
      for (let i = 0; i < strays; i++) {
        const header = { marker: i % 5 === 4, payloadType: 26, sequenceNumber: 40_000 + i, timestamp: 1_000_000 + i * 900, ssrc: 0x5eed5eed, csrcs: [] }
        stray.send(encodeRtpPacket({ header, payload: Buffer.alloc(200, i), paddingLength: 0 }), clientPort, "127.0.0.1")
      }
      yield* waitUntil(() => session.live().rtp.strayPackets >= strays, 2000)
      yield* Effect.sleep("500 millis")
      yield* session.teardown
      const { rtp, frames } = session.snapshot().receiver
      expect(rtp.strayPackets).toBe(strays)
      expect([rtp.packetsLost, rtp.duplicates, rtp.reordered, frames.framesDropped]).toEqual([0, 0, 0, 0])
      expect(frames.framesReceived).toBeGreaterThanOrEqual(10)
    }))

  it.scopedLive("TCP interleaved: frames arrive on the RTSP connection; PAUSE stops the flow, PLAY resumes", () =>
    Effect.gen(function* () {
      const session = yield* makeClientSession({ url: server.url(), transport: "tcp", expectedFps: FPS, rtcpIntervalMs: 300 })
      yield* session.setup
      yield* session.play()
      yield* Effect.sleep("800 millis")
      yield* session.pause
      yield* Effect.sleep("100 millis")
      const paused = session.snapshot().receiver.frames.framesReceived
      yield* Effect.sleep("500 millis")
      expect(session.snapshot().receiver.frames.framesReceived).toBe(paused)
      yield* session.play()
      yield* Effect.sleep("600 millis")
      yield* session.teardown
      const s = session.snapshot()
      expect(s.transport).toBe("tcp")
      expect(paused).toBeGreaterThanOrEqual(8)
      expect(s.receiver.frames.framesReceived).toBeGreaterThan(paused + 5)
      expect(s.receiver.rtp.packetsLost).toBe(0)
      expect(s.receiverReportsSent).toBeGreaterThanOrEqual(1)
      expect(s.senderReports).toBeGreaterThanOrEqual(1)
    }))

  it.scopedLive("classic dialect: bare target, whole JPEG per datagram (one packet a frame), no RTCP", () =>
    Effect.gen(function* () {
      const session = yield* makeClientSession({ url: server.url(), dialect: "classic", expectedFps: FPS })
      yield* session.setup
      yield* session.play()
      yield* Effect.sleep("700 millis")
      yield* session.pause
      yield* session.teardown
      const s = session.snapshot()
      expect(s.dialect).toBe("classic")
      expect(s.sessionId).toMatch(/^[1-9]\d*$/)
      expect(s.receiver.frames.framesReceived).toBeGreaterThanOrEqual(8)
      expect(s.receiver.rtp.packetsReceived).toBe(s.receiver.frames.framesReceived)
      expect(s.receiver.rtp.packetsLost).toBe(0)
      expect(s.receiverReportsSent).toBe(0)
      expect(s.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["SETUP 200", "PLAY 200", "PAUSE 200", "TEARDOWN 200"])
    }))

  it.scopedLive("a classic lab server (replies by position, no final blank line; whole JPEG datagrams to client_port) plays", () =>
    Effect.gen(function* () {
      const seen: Array<string> = []
      const port = yield* classicLabServer(seen)
      const session = yield* makeClientSession({ url: `rtsp://127.0.0.1:${port}/movie.Mjpeg`, dialect: "classic" })
      yield* session.setup
      yield* session.play()
      yield* waitUntil(() => session.live().framesReceived >= 3, 2000)
      yield* session.teardown
      const s = session.snapshot()
      expect(s.sessionId).toBe("123456")
      expect(s.receiver.frames.framesReceived).toBe(3)
      expect(s.receiver.frames.framesDropped).toBe(0)
      expect(s.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["SETUP 200", "PLAY 200", "TEARDOWN 200"])
      // The lab client's exact bytes, one write each.
      expect(seen[0]).toMatch(/^SETUP movie\.Mjpeg RTSP\/1\.0\nCSeq: 1\nTransport: RTP\/UDP; client_port= \d+$/)
      expect(seen[1]).toBe("PLAY movie.Mjpeg RTSP/1.0\nCSeq: 2\nSession: 123456")
      expect(seen[2]).toBe("TEARDOWN movie.Mjpeg RTSP/1.0\nCSeq: 3\nSession: 123456")
    }))

  it.scopedLive("UDP that never arrives (ports bound where the server does not send) falls back to TCP", () =>
    Effect.gen(function* () {
      // The server sends RTP to the RTSP peer's address (127.0.0.1); ports bound on 127.0.0.2 never see it.
      const session = yield* makeClientSession({ url: server.url(), transport: "udp", bindHost: "127.0.0.2", udpFallbackMs: 400 })
      yield* session.setup
      yield* session.play()
      yield* Effect.sleep("600 millis")
      yield* session.teardown
      const s = session.snapshot()
      expect(s.transport).toBe("tcp")
      expect(s.fallback).toContain("no RTP over UDP within 400 ms")
      expect(s.receiver.frames.framesReceived).toBeGreaterThanOrEqual(5)
      expect(s.requests.map((r) => r.method)).toEqual(["DESCRIBE", "SETUP", "PLAY", "TEARDOWN", "SETUP", "PLAY", "TEARDOWN"])
      // Start-up includes the wait: the viewer waited it too.
      expect(s.receiver.frames.startupMs).toBeGreaterThanOrEqual(400)
    }))

  it.scopedLive("SETUP over UDP answered 461: the same connection sets up over TCP and the frames arrive interleaved", () =>
    Effect.gen(function* () {
      const port = yield* tcpOnlyServer
      const session = yield* makeClientSession({ url: `rtsp://127.0.0.1:${port}/movie.Mjpeg`, transport: "udp", udpFallbackMs: 0 })
      yield* session.setup
      yield* session.play()
      yield* waitUntil(() => session.live().framesReceived >= 3, 2000)
      yield* session.teardown
      const s = session.snapshot()
      expect(s.transport).toBe("tcp")
      expect(s.fallback).toBe("SETUP over UDP answered 461 Unsupported Transport")
      expect(s.receiver.frames.framesReceived).toBe(3)
      expect(s.receiver.rtp.packetsLost).toBe(0)
      expect(s.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["DESCRIBE 200", "SETUP 461", "SETUP 200", "PLAY 200", "TEARDOWN 200"])
    }))

  it.scopedLive("PLAY with a range seeks; a raw request gets whatever status the server answers", () =>
    Effect.gen(function* () {
      const session = yield* makeClientSession({ url: server.url(), transport: "udp" })
      yield* session.setup
      const play = yield* session.play({ start: 5 })
      expect(play.status).toBe(200)
      const unknown = yield* session.raw({ method: "FROB" })
      expect(unknown.status).toBe(501)
      const v2 = yield* session.raw({ method: "OPTIONS", version: "RTSP/2.0" })
      expect(v2.status).toBe(505)
      yield* session.teardown
      expect(session.snapshot().requests.map((r) => `${r.method} ${r.status}`)).toContain("FROB 501")
    }))

  it.scopedLive("an unreachable server fails with a typed Connect error", () =>
    Effect.gen(function* () {
      const error = yield* makeClientSession({ url: "rtsp://127.0.0.1:1/movie.Mjpeg", timeoutMs: 1000 }).pipe(Effect.flip)
      expect(error.reason).toBe("Connect")
    }))
})
