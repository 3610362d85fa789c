/**
 * The standard dialect (RFC 2326 / 3550 / 2435) over real sockets against the
 * in-process server: request/response conformance, RTP and RTCP on the wire,
 * and the exact status code of every refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { encodeRtcpCompound, type RtcpPacket } from "../../src/protocol/rtcp.js"
import type { RtpPacket } from "../../src/protocol/rtp.js"
import { parseRtpInfo } from "../../src/protocol/rtsp/headers/rtp-info.js"
import { parseTransport } from "../../src/protocol/rtsp/headers/transport.js"
import { getHeader, type RtspResponse } from "../../src/protocol/rtsp/message.js"
import { reapTiming } from "../../src/server/RtspServer.js"
import { connectClient, sessionIdOf, type TestRtspClient, udpReceiver, type UdpReceiver } from "../support/rtspTestClient.js"
import { startTestServer, type TestServer } from "../support/testServer.js"
import { frameNumberOf, rebuildFrames, rtcp, rtp, sleep } from "./streamHelpers.js"
import { waitUntilAsync } from "../support/polling.js"

const PUBLIC = "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER"
const TS_PER_FRAME = 90000 / 20

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server.close()
})

const header = (response: RtspResponse, name: string): string | undefined => getHeader(response.headers, name)

interface Closable {
  readonly close: () => void
}

/** Closes everything a test opened, whatever happened. */
const cleanup = (items: ReadonlyArray<Closable>): void => {
  for (const item of items) {
    try {
      item.close()
    } catch {
      // already closed
    }
  }
}

/** Hands an item to the test's cleanup and returns it. */
type Own = <T extends Closable>(item: T) => T

/**
 * Runs `body` with a fresh connection to `target`; the connection and everything `body` hands to
 * `own` (sessions, receivers, more connections) are closed afterwards, whatever happened.
 */
const withConnection = async (
  body: (client: TestRtspClient, own: Own) => Promise<void>,
  target: TestServer = server
): Promise<void> => {
  const items: Array<Closable> = []
  const own: Own = (item) => {
    items.push(item)
    return item
  }
  try {
    await body(own(await connectClient(target.info.port)), own)
  } finally {
    cleanup(items)
  }
}

interface UdpSession {
  readonly id: string
  readonly ssrc: number
  readonly reply: RtspResponse
  readonly rtpRx: UdpReceiver
  readonly rtcpRx: UdpReceiver
  readonly packets: () => Array<RtpPacket>
  readonly rtcpPackets: () => Array<ReadonlyArray<RtcpPacket>>
  readonly close: () => void
}

/** Two UDP receivers (RTP on the lower port) and a SETUP naming them. */
const setupUdp = async (client: TestRtspClient, path = "movie.Mjpeg/streamid=0", target: TestServer = server): Promise<UdpSession> => {
  const a = await udpReceiver()
  const b = await udpReceiver()
  const [rtpRx, rtcpRx] = a.port < b.port ? [a, b] : [b, a]
  const reply = await client.request("SETUP", target.url(path), { Transport: `RTP/AVP;unicast;client_port=${rtpRx.port}-${rtcpRx.port}` })
  expect(reply.statusCode).toBe(200)
  const transport = parseTransport(header(reply, "Transport") ?? "")
  if (Either.isLeft(transport)) throw new Error(transport.left.message)
  return {
    id: sessionIdOf(reply),
    ssrc: transport.right[0]!.ssrc!,
    reply,
    rtpRx,
    rtcpRx,
    packets: () => rtpRx.packets.map((p) => rtp(p.data)),
    rtcpPackets: () => rtcpRx.packets.map((p) => rtcp(p.data)),
    close: () => {
      rtpRx.close()
      rtcpRx.close()
    }
  }
}

interface SessionOptions {
  readonly path?: string
  readonly target?: TestServer
}

/** A fresh connection with one UDP session set up on it (see setupUdp). */
const withUdpSession = (
  body: (client: TestRtspClient, session: UdpSession, own: Own) => Promise<void>,
  options: SessionOptions = {}
): Promise<void> =>
  withConnection(async (client, own) => body(client, own(await setupUdp(client, options.path, options.target)), own), options.target)

/** The same, and PLAYing: PLAY with `headers` answered 200; `body` gets the PLAY reply. */
const withPlayingSession = (
  headers: Record<string, string>,
  body: (client: TestRtspClient, session: UdpSession, play: RtspResponse) => Promise<void>,
  options: SessionOptions = {}
): Promise<void> =>
  withUdpSession(async (client, session) => {
    const play = await client.request("PLAY", (options.target ?? server).url(), { Session: session.id, ...headers })
    expect(play.statusCode).toBe(200)
    await body(client, session, play)
  }, options)

const markers = (packets: ReadonlyArray<RtpPacket>): number => packets.filter((p) => p.header.marker).length

const rtpInfoOf = (response: RtspResponse): { seq: number; rtptime: number; url: string } => {
  const parsed = parseRtpInfo(header(response, "RTP-Info") ?? "")
  if (Either.isLeft(parsed)) throw new Error(parsed.left.message)
  const entry = parsed.right[0]!
  return { url: entry.url, seq: entry.seq!, rtptime: entry.rtptime! }
}

describe("standard dialect: requests", () => {
  it("OPTIONS lists the seven methods in Public", () =>
    withConnection(async (client) => {
      const reply = await client.request("OPTIONS", "*")
      expect(reply.statusCode).toBe(200)
      expect(header(reply, "CSeq")).toBe("1")
      expect(header(reply, "Public")).toBe(PUBLIC)
      const again = await client.request("OPTIONS", server.url())
      expect([again.statusCode, header(again, "CSeq"), header(again, "Public")]).toEqual([200, "2", PUBLIC])
    }))

  it("DESCRIBE answers SDP with Content-Base ending in /", () =>
    withConnection(async (client) => {
      const reply = await client.request("DESCRIBE", server.url(), { Accept: "application/sdp" })
      expect(reply.statusCode).toBe(200)
      expect(header(reply, "Content-Type")).toBe("application/sdp")
      expect(header(reply, "Content-Base")).toBe(`rtsp://127.0.0.1:${server.info.port}/movie.Mjpeg/`)
      expect(header(reply, "Content-Length")).toBe(String(reply.body.length))
      const lines = reply.body.toString().split("\r\n")
      expect(lines[0]).toBe("v=0")
      const media = lines.indexOf("m=video 0 RTP/AVP 26")
      expect(media).toBeGreaterThan(0)
      // Session level: the range; media level: payload, rate and track control.
      expect(lines.slice(0, media)).toContain("a=range:npt=0-10")
      expect(lines.slice(media)).toEqual(expect.arrayContaining(["a=rtpmap:26 JPEG/90000", "a=framerate:20", "a=control:streamid=0"]))
    }))

  it.each(["nope.Mjpeg", "sub/nope.Mjpeg", "movie.txt", "movie.Mjpeg.bak"])("DESCRIBE of a missing file %s is 404", (path) =>
    withConnection(async (client) => {
      const reply = await client.request("DESCRIBE", server.url(path))
      expect(reply.statusCode).toBe(404)
      expect(header(reply, "CSeq")).toBe("1")
      expect(reply.body.length).toBe(0)
    }))

  it("SETUP over UDP: 128-bit session id with timeout=60, Transport echoes client_port and names server_port and ssrc", () =>
    withUdpSession(async (_client, session) => {
      expect(header(session.reply, "Session")).toMatch(/^[0-9A-Fa-f]{32};timeout=60$/)
      const ssrcHex = session.ssrc.toString(16).toUpperCase().padStart(8, "0")
      expect(header(session.reply, "Transport")).toBe(
        `RTP/AVP;unicast;client_port=${session.rtpRx.port}-${session.rtcpRx.port};server_port=${server.info.rtpPort}-${server.info.rtcpPort};ssrc=${ssrcHex}`
      )
      const summary = server.info.sessions().find((s) => s.id === session.id)
      expect(summary).toEqual({ id: session.id, dialect: "standard", state: "ready", media: "movie.Mjpeg", framesSent: 0, framesDropped: 0 })
    }))

  it("SETUP over TCP picks free channel pairs when interleaved= is missing and honours it when given", () =>
    withConnection(async (client) => {
      const transportOf = async (transport: string): Promise<string | undefined> => {
        const reply = await client.request("SETUP", server.url("movie.Mjpeg/streamid=0"), { Transport: transport })
        expect(reply.statusCode).toBe(200)
        return header(reply, "Transport")?.replace(/;ssrc=[0-9A-F]{8}$/, "")
      }
      expect(await transportOf("RTP/AVP/TCP;unicast")).toBe("RTP/AVP/TCP;unicast;interleaved=0-1")
      expect(await transportOf("RTP/AVP/TCP;unicast")).toBe("RTP/AVP/TCP;unicast;interleaved=2-3")
      expect(await transportOf("RTP/AVP/TCP;unicast;interleaved=6-7")).toBe("RTP/AVP/TCP;unicast;interleaved=6-7")
      expect(await transportOf("RTP/AVP/TCP;unicast")).toBe("RTP/AVP/TCP;unicast;interleaved=8-9")
      // Channels another session of the connection already uses: the server answers with a free pair.
      expect(await transportOf("RTP/AVP/TCP;unicast;interleaved=0-1")).toBe("RTP/AVP/TCP;unicast;interleaved=10-11")
      expect(await transportOf("RTP/AVP/TCP;unicast;interleaved=3-4")).toBe("RTP/AVP/TCP;unicast;interleaved=12-13")
    }))

  it("SETUP takes the first usable option of a Transport list", () =>
    withConnection(async (client, own) => {
      const rx = own(await udpReceiver())
      const tcp = await client.request("SETUP", server.url(), { Transport: "RTP/AVP;multicast, RTP/AVP/TCP;unicast;interleaved=0-1" })
      expect(tcp.statusCode).toBe(200)
      expect(header(tcp, "Transport")).toMatch(/^RTP\/AVP\/TCP;unicast;interleaved=0-1;ssrc=[0-9A-F]{8}$/)
      const udp = await client.request("SETUP", server.url(), { Transport: `RTP/SAVP;unicast;client_port=5000-5001, RTP/AVP;unicast;client_port=${rx.port}-${rx.port + 1}, RTP/AVP/TCP` })
      expect(udp.statusCode).toBe(200)
      expect(header(udp, "Transport")).toMatch(new RegExp(`^RTP/AVP;unicast;client_port=${rx.port}-${rx.port + 1};server_port=`))
    }))

  it("GET_PARAMETER is a keep-alive: 200 with and without a session", () =>
    withConnection(async (client, own) => {
      const bare = await client.request("GET_PARAMETER", server.url())
      expect(bare.statusCode).toBe(200)
      expect(header(bare, "Session")).toBeUndefined()
      const session = own(await setupUdp(client))
      const before = server.metrics.snapshot().requests["GET_PARAMETER"] ?? 0
      const alive = await client.request("GET_PARAMETER", server.url(), { Session: session.id })
      expect(alive.statusCode).toBe(200)
      expect(header(alive, "Session")).toBe(`${session.id};timeout=60`)
      expect(server.metrics.snapshot().requests["GET_PARAMETER"]).toBe(before + 1)
    }))
})

describe("standard dialect: streaming over UDP", () => {
  it("RTP headers: V=2, PT=26, one timestamp per frame, marker on its last packet, +4500 per frame, consecutive seq", () =>
    withPlayingSession({ Range: "npt=0-" }, async (client, session, play) => {
      expect(header(play, "Range")).toBe("npt=0-10")
      expect(await waitUntilAsync(() => markers(session.packets()) >= 6, 2000)).toBe(true)
      const teardown = await client.request("TEARDOWN", server.url(), { Session: session.id })
      expect(teardown.statusCode).toBe(200)
      for (const { data } of session.rtpRx.packets) {
        // V=2, P=0, X=0, CC=0; then M|PT.
        expect(data[0]).toBe(0x80)
        expect(data[1]! & 0x7f).toBe(26)
      }
      const packets = session.packets()
      const info = rtpInfoOf(play)
      expect([packets[0]!.header.sequenceNumber, packets[0]!.header.timestamp]).toEqual([info.seq, info.rtptime])
      for (const [i, p] of packets.entries()) {
        expect(p.header.ssrc).toBe(session.ssrc)
        expect(p.header.sequenceNumber).toBe((info.seq + i) & 0xffff)
        expect(p.header.csrcs).toEqual([])
        expect(p.paddingLength).toBe(0)
      }
      // Split into frames at the markers: every packet of a frame has its timestamp, only the last has the marker.
      const frames: Array<Array<RtpPacket>> = [[]]
      for (const p of packets) {
        frames[frames.length - 1]!.push(p)
        if (p.header.marker) frames.push([])
      }
      const whole = frames.filter((f) => f.length > 0 && f[f.length - 1]!.header.marker)
      expect(whole.length).toBeGreaterThanOrEqual(6)
      for (const [k, frame] of whole.entries()) {
        expect(frame.length).toBeGreaterThan(1)
        expect(new Set(frame.map((p) => p.header.timestamp))).toEqual(new Set([(info.rtptime + k * TS_PER_FRAME) >>> 0]))
        expect(frame.map((p) => p.header.marker)).toEqual(frame.map((_, i) => i === frame.length - 1))
      }
      // And they are the file's frames 0, 1, 2 ... rebuilt from RFC 2435.
      const rebuilt = rebuildFrames(whole.flat())
      const numbers = await Promise.all(rebuilt.slice(0, 6).map((f) => frameNumberOf(f.jpeg)))
      expect(numbers).toEqual([0, 1, 2, 3, 4, 5])
    }))

  it("PLAY with Range npt=5- starts at frame 100; RTP-Info matches the first packet", () =>
    withPlayingSession({ Range: "npt=5-" }, async (_client, session, play) => {
      expect(header(play, "Session")).toBe(`${session.id};timeout=60`)
      expect(header(play, "Range")).toBe("npt=5-10")
      const info = rtpInfoOf(play)
      expect(info.url).toBe(server.url("movie.Mjpeg/streamid=0"))
      expect(await waitUntilAsync(() => markers(session.packets()) >= 2, 2000)).toBe(true)
      const first = session.packets()[0]!
      expect(first.header.sequenceNumber).toBe(info.seq)
      expect(first.header.timestamp).toBe(info.rtptime)
      const frames = rebuildFrames(session.packets())
      expect(frames[0]!.timestamp).toBe(info.rtptime)
      expect(await frameNumberOf(frames[0]!.jpeg)).toBe(100)
      expect(await frameNumberOf(frames[1]!.jpeg)).toBe(101)
    }))

  it("PAUSE stops the flow at once; PLAY resumes with the next frame, seq and timestamp continuing", () =>
    withPlayingSession({}, async (client, session) => {
      expect(await waitUntilAsync(() => markers(session.packets()) >= 4, 2000)).toBe(true)
      const pause = await client.request("PAUSE", server.url(), { Session: session.id })
      expect(pause.statusCode).toBe(200)
      expect(header(pause, "Session")).toBe(`${session.id};timeout=60`)
      const atReply = session.rtpRx.packets.length
      await sleep(100)
      expect(session.rtpRx.packets.length).toBe(atReply)
      expect(server.info.sessions().find((s) => s.id === session.id)?.state).toBe("ready")
      const before = session.packets()
      const last = before[before.length - 1]!
      // The flow stopped between frames.
      expect(last.header.marker).toBe(true)
      const framesBefore = rebuildFrames(before)
      const lastFrame = await frameNumberOf(framesBefore[framesBefore.length - 1]!.jpeg)
      expect(lastFrame).toBe(framesBefore.length - 1)

      const resume = await client.request("PLAY", server.url(), { Session: session.id })
      expect(resume.statusCode).toBe(200)
      const info = rtpInfoOf(resume)
      expect(info.seq).toBe((last.header.sequenceNumber + 1) & 0xffff)
      expect(info.rtptime).toBe((last.header.timestamp + TS_PER_FRAME) >>> 0)
      expect(header(resume, "Range")).toBe(`npt=${(lastFrame! + 1) / 20}-10`)
      expect(await waitUntilAsync(() => markers(session.packets()) >= framesBefore.length + 2, 2000)).toBe(true)
      const after = session.packets().slice(before.length)
      expect(after[0]!.header.sequenceNumber).toBe(info.seq)
      expect(after[0]!.header.timestamp).toBe(info.rtptime)
      const resumed = rebuildFrames(after)
      expect(await frameNumberOf(resumed[0]!.jpeg)).toBe(lastFrame! + 1)
    }))

  it("a second PLAY while playing is 200 and changes nothing; PLAY with a Range while playing seeks", () =>
    withPlayingSession({}, async (client, session, first) => {
      const start = rtpInfoOf(first)
      expect(await waitUntilAsync(() => markers(session.packets()) >= 3, 2000)).toBe(true)
      const again = await client.request("PLAY", server.url(), { Session: session.id })
      expect(again.statusCode).toBe(200)
      expect(await waitUntilAsync(() => markers(session.packets()) >= 7, 2000)).toBe(true)
      // One unbroken stream: no restart, no repeated or skipped frame.
      const frames = rebuildFrames(session.packets())
      expect(frames.map((f) => f.timestamp)).toEqual(frames.map((_, k) => (start.rtptime + k * TS_PER_FRAME) >>> 0))

      const seek = await client.request("PLAY", server.url(), { Session: session.id, Range: "npt=8-" })
      expect(seek.statusCode).toBe(200)
      expect(header(seek, "Range")).toBe("npt=8-10")
      const info = rtpInfoOf(seek)
      expect(await waitUntilAsync(() => session.packets().some((p) => p.header.sequenceNumber === info.seq && p.header.timestamp === info.rtptime), 2000)).toBe(true)
      const packets = session.packets()
      const from = packets.findIndex((p) => p.header.sequenceNumber === info.seq)
      expect(await waitUntilAsync(() => markers(session.packets().slice(from)) >= 1, 2000)).toBe(true)
      const seeked = rebuildFrames(session.packets().slice(from))
      expect(await frameNumberOf(seeked[0]!.jpeg)).toBe(160)
    }))

  it("RTCP SR + SDES CNAME at stream start, matching the first frame", () =>
    withPlayingSession({}, async (_client, session) => {
      expect(await waitUntilAsync(() => session.rtcpRx.packets.length >= 1 && markers(session.packets()) >= 1, 2000)).toBe(true)
      const [sr, sdes, ...rest] = session.rtcpPackets()[0]!
      expect(rest).toEqual([])
      const packets = session.packets()
      const firstFrame = packets.slice(0, packets.findIndex((p) => p.header.marker) + 1)
      expect(sr).toMatchObject({
        _tag: "SenderReport",
        ssrc: session.ssrc,
        rtpTimestamp: firstFrame[0]!.header.timestamp,
        packetCount: firstFrame.length,
        octetCount: firstFrame.reduce((n, p) => n + p.payload.length, 0),
        reports: []
      })
      expect(sdes).toEqual({
        _tag: "SourceDescription",
        chunks: [{ ssrc: session.ssrc, items: [{ type: 1, value: `effect-rtsp-${session.ssrc.toString(16)}` }] }]
      })
    }))

  it("TEARDOWN: 200, RTCP BYE on the client's RTCP port, flow stops, session gone", () =>
    withPlayingSession({}, async (client, session) => {
      expect(await waitUntilAsync(() => markers(session.packets()) >= 2, 2000)).toBe(true)
      const teardown = await client.request("TEARDOWN", server.url(), { Session: session.id })
      expect(teardown.statusCode).toBe(200)
      expect(server.info.sessions().some((s) => s.id === session.id)).toBe(false)
      const hasBye = () => session.rtcpPackets().some((c) => c.some((p) => p._tag === "Goodbye"))
      expect(await waitUntilAsync(hasBye, 1000)).toBe(true)
      const bye = session.rtcpPackets().find((c) => c.some((p) => p._tag === "Goodbye"))!
      expect(bye.map((p) => p._tag)).toEqual(["SenderReport", "SourceDescription", "Goodbye"])
      expect(bye[2]).toEqual({ _tag: "Goodbye", ssrcs: [session.ssrc], reason: "teardown" })
      const count = session.rtpRx.packets.length
      await sleep(100)
      expect(session.rtpRx.packets.length).toBe(count)
      const late = await client.request("PLAY", server.url(), { Session: session.id })
      expect(late.statusCode).toBe(454)
    }))

  it("initial sequence number, timestamp and SSRC are random per session", () =>
    withConnection(async (client, own) => {
      const starts: Array<{ seq: number; rtptime: number; ssrc: number }> = []
      for (let i = 0; i < 3; i++) {
        const session = own(await setupUdp(client))
        const play = await client.request("PLAY", server.url(), { Session: session.id })
        const info = rtpInfoOf(play)
        starts.push({ seq: info.seq, rtptime: info.rtptime, ssrc: session.ssrc })
        await client.request("TEARDOWN", server.url(), { Session: session.id })
      }
      expect(new Set(starts.map((s) => s.ssrc)).size).toBe(3)
      expect(new Set(starts.map((s) => s.rtptime)).size).toBe(3)
      // 16-bit: three equal by chance has odds 2^-32.
      expect(new Set(starts.map((s) => s.seq)).size).toBeGreaterThan(1)
    }))

  it("closing the connection tears its sessions down (BYE, flow stops)", () =>
    withUdpSession(async (client, session, own) => {
      const idle = own(await setupUdp(client))
      expect((await client.request("PLAY", server.url(), { Session: session.id })).statusCode).toBe(200)
      expect(await waitUntilAsync(() => markers(session.packets()) >= 1, 2000)).toBe(true)
      client.close()
      const gone = () => !server.info.sessions().some((s) => s.id === session.id || s.id === idle.id)
      expect(await waitUntilAsync(gone, 1000)).toBe(true)
      expect(await waitUntilAsync(() => session.rtcpPackets().some((c) => c.some((p) => p._tag === "Goodbye" && p.reason === "connection closed")), 1000)).toBe(true)
      const count = session.rtpRx.packets.length
      await sleep(100)
      expect(session.rtpRx.packets.length).toBe(count)
    }))

  it("an RTCP receiver report from the client's RTCP port updates the session's metrics", () =>
    withUdpSession(async (_client, session) => {
      const before = server.metrics.snapshot().rtcpReceiverReports
      const rr = encodeRtcpCompound([{
        _tag: "ReceiverReport",
        ssrc: 0x0badcafe,
        reports: [{ ssrc: session.ssrc, fractionLost: 64, cumulativeLost: 3, highestSeq: 1000, jitter: 900, lastSr: 0, delaySinceLastSr: 0 }]
      }])
      session.rtcpRx.socket.send(rr, server.info.rtcpPort, "127.0.0.1")
      expect(await waitUntilAsync(() => server.metrics.snapshot().rtcpReceiverReports === before + 1, 1000)).toBe(true)
      const metrics = server.metrics.snapshot().sessions[session.id]!
      expect(metrics.receiverReports).toBe(1)
      expect(metrics.lastReceiverReport).toEqual({ fractionLost: 0.25, cumulativeLost: 3, jitterSeconds: 0.01 })
    }))
})

describe("standard dialect: interleaved TCP", () => {
  it("RTP on channel 0, RTCP (SR+SDES, then BYE) on channel 1", () =>
    withConnection(async (client) => {
      const setup = await client.request("SETUP", server.url("movie.Mjpeg/streamid=0"), { Transport: "RTP/AVP/TCP;unicast;interleaved=0-1" })
      expect(setup.statusCode).toBe(200)
      const id = sessionIdOf(setup)
      const ssrc = parseInt(/ssrc=([0-9A-F]{8})/.exec(header(setup, "Transport") ?? "")![1]!, 16)
      const play = await client.request("PLAY", server.url(), { Session: id, Range: "npt=0-" })
      expect(play.statusCode).toBe(200)
      const rtpFrames = () => client.interleaved.filter((f) => f.channel === 0).map((f) => rtp(f.payload))
      expect(await waitUntilAsync(() => markers(rtpFrames()) >= 3, 2000)).toBe(true)
      expect(client.interleaved.every((f) => f.channel === 0 || f.channel === 1)).toBe(true)
      const packets = rtpFrames()
      const info = rtpInfoOf(play)
      expect(packets[0]!.header).toMatchObject({ payloadType: 26, ssrc, sequenceNumber: info.seq, timestamp: info.rtptime })
      const frames = rebuildFrames(packets)
      expect(await Promise.all(frames.slice(0, 3).map((f) => frameNumberOf(f.jpeg)))).toEqual([0, 1, 2])
      const firstRtcp = rtcp(client.interleaved.find((f) => f.channel === 1)!.payload)
      expect(firstRtcp.map((p) => p._tag)).toEqual(["SenderReport", "SourceDescription"])
      expect(firstRtcp[0]).toMatchObject({ ssrc, rtpTimestamp: info.rtptime })

      const teardown = await client.request("TEARDOWN", server.url(), { Session: id })
      expect(teardown.statusCode).toBe(200)
      // The BYE is written before the reply on the same connection.
      const last = client.interleaved.filter((f) => f.channel === 1).map((f) => rtcp(f.payload)).pop()!
      expect(last[2]).toEqual({ _tag: "Goodbye", ssrcs: [ssrc], reason: "teardown" })
    }))
})

describe("standard dialect: status codes", () => {
  it.each(["PLAY", "PAUSE", "TEARDOWN"])("455 for %s before SETUP, with Allow", (method) =>
    withConnection(async (client) => {
      const reply = await client.request(method, server.url())
      expect(reply.statusCode).toBe(455)
      expect(reply.reason).toBe("Method Not Valid in This State")
      expect(header(reply, "Allow")).toBe("OPTIONS, DESCRIBE, SETUP, GET_PARAMETER")
    }))

  it("455 for PAUSE in READY, with Allow", () =>
    withConnection(async (client) => {
      const setup = await client.request("SETUP", server.url(), { Transport: "RTP/AVP/TCP;unicast" })
      const reply = await client.request("PAUSE", server.url(), { Session: sessionIdOf(setup) })
      expect(reply.statusCode).toBe(455)
      expect(header(reply, "Allow")).toBe("OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER")
      expect(server.info.sessions().find((s) => s.id === sessionIdOf(setup))?.state).toBe("ready")
    }))

  it("455 for SETUP while PLAYING, with Allow; the stream goes on", () =>
    withConnection(async (client) => {
      const setup = await client.request("SETUP", server.url(), { Transport: "RTP/AVP/TCP;unicast" })
      const id = sessionIdOf(setup)
      expect((await client.request("PLAY", server.url(), { Session: id })).statusCode).toBe(200)
      const reply = await client.request("SETUP", server.url(), { Session: id, Transport: "RTP/AVP/TCP;unicast;interleaved=2-3" })
      expect(reply.statusCode).toBe(455)
      expect(header(reply, "Allow")).toBe("OPTIONS, DESCRIBE, PLAY, PAUSE, TEARDOWN, GET_PARAMETER")
      expect(server.info.sessions().find((s) => s.id === id)?.state).toBe("playing")
    }))

  it("454 for an unknown session id", () =>
    withConnection(async (client) => {
      for (const method of ["PLAY", "PAUSE", "TEARDOWN", "GET_PARAMETER"]) {
        const reply = await client.request(method, server.url(), { Session: "0123456789ABCDEF0123456789ABCDEF" })
        expect([method, reply.statusCode, reply.reason]).toEqual([method, 454, "Session Not Found"])
      }
    }))

  it("454 for a session id that belongs to another connection; the owner is unaffected", () =>
    withConnection(async (owner, own) => {
      const other = own(await connectClient(server.info.port))
      const setup = await owner.request("SETUP", server.url(), { Transport: "RTP/AVP/TCP;unicast" })
      const id = sessionIdOf(setup)
      for (const method of ["PLAY", "PAUSE", "TEARDOWN", "GET_PARAMETER"]) {
        const reply = await other.request(method, server.url(), { Session: id })
        expect([method, reply.statusCode]).toEqual([method, 454])
      }
      const hijack = await other.request("SETUP", server.url(), { Session: id, Transport: "RTP/AVP/TCP;unicast" })
      expect(hijack.statusCode).toBe(454)
      expect(server.info.sessions().find((s) => s.id === id)?.state).toBe("ready")
      expect((await owner.request("PLAY", server.url(), { Session: id })).statusCode).toBe(200)
      other.close()
      await sleep(50)
      expect(server.info.sessions().find((s) => s.id === id)?.state).toBe("playing")
    }))

  it.each(["RECORD", "ANNOUNCE", "SET_PARAMETER", "REDIRECT", "FOO"])("501 for %s, with Public and Allow", (method) =>
    withConnection(async (client) => {
      const reply = await client.request(method, server.url())
      expect(reply.statusCode).toBe(501)
      expect(header(reply, "Public")).toBe(PUBLIC)
      expect(header(reply, "Allow")).toBe(PUBLIC)
      // The connection goes on.
      expect((await client.request("OPTIONS", "*")).statusCode).toBe(200)
    }))

  it.each([
    ["no CSeq", "OPTIONS * RTSP/1.0\r\n\r\n", undefined],
    ["a CSeq that is not a number", "OPTIONS * RTSP/1.0\r\nCSeq: abc\r\n\r\n", undefined]
  ])("400 for %s", (_, bytes, cseq) =>
    withConnection(async (client) => {
      client.send(bytes)
      const reply = await client.nextResponse()
      expect(reply.statusCode).toBe(400)
      expect(header(reply, "CSeq")).toBe(cseq)
      expect((await client.request("OPTIONS", "*")).statusCode).toBe(200)
    }))

  it("505 for RTSP/2.0", () =>
    withConnection(async (client) => {
      client.send("OPTIONS * RTSP/2.0\r\nCSeq: 7\r\n\r\n")
      const reply = await client.nextResponse()
      expect([reply.version, reply.statusCode, header(reply, "CSeq")]).toEqual(["RTSP/1.0", 505, "7"])
    }))

  it("551 for Require, naming the option in Unsupported", () =>
    withConnection(async (client) => {
      const reply = await client.request("DESCRIBE", server.url(), { Require: "com.example.funky" })
      expect(reply.statusCode).toBe(551)
      expect(header(reply, "Unsupported")).toBe("com.example.funky")
    }))

  it.each([
    ["multicast", "RTP/AVP;multicast"],
    ["multicast with ports", "RTP/AVP;multicast;port=5000-5001"],
    ["UDP without client_port", "RTP/AVP;unicast"],
    ["a list with nothing usable", "RTP/AVP;multicast,RTP/AVP;unicast,RTP/AVP;unicast;client_port=0-1"],
    ["only unknown protocols", "RTP/SAVP;unicast;client_port=5000-5001, RAW/RAW/UDP;unicast"]
  ])("461 for %s", (_, transport) =>
    withConnection(async (client) => {
      const reply = await client.request("SETUP", server.url(), { Transport: transport })
      expect(reply.statusCode).toBe(461)
      expect(header(reply, "Session")).toBeUndefined()
    }))

  it.each(["npt=11-", "npt=10.05-", "npt=3600-"])("457 for a Range past the end (%s)", (range) =>
    withConnection(async (client) => {
      const setup = await client.request("SETUP", server.url(), { Transport: "RTP/AVP/TCP;unicast" })
      const reply = await client.request("PLAY", server.url(), { Session: sessionIdOf(setup), Range: range })
      expect(reply.statusCode).toBe(457)
      expect(server.info.sessions().find((s) => s.id === sessionIdOf(setup))?.state).toBe("ready")
    }))

  it.each([
    "../movie.Mjpeg",
    "../video/movie.Mjpeg",
    "%2e%2e/movie.Mjpeg",
    "%2E%2E/video/movie.Mjpeg",
    "a/%2e%2e/%2e%2e/video/movie.Mjpeg",
    "..%2fmovie.Mjpeg",
    "%2e%2e%2fvideo%2fmovie.Mjpeg",
    "sub/../movie.Mjpeg"
  ])("404 for the traversal %s (DESCRIBE and SETUP)", (path) =>
    withConnection(async (client) => {
      expect((await client.request("DESCRIBE", server.url(path))).statusCode).toBe(404)
      const setup = await client.request("SETUP", server.url(path), { Transport: "RTP/AVP/TCP;unicast" })
      expect(setup.statusCode).toBe(404)
      expect(header(setup, "Session")).toBeUndefined()
    }))
})

describe("standard dialect: session reaper", () => {
  it("reaps idle standard sessions; requests and RTCP keep theirs alive; classic sessions live with their connection", async () => {
    // A 1 s timeout: reaped 1.5 s after the last sign of life, checked every 0.5 s.
    expect(reapTiming(1)).toEqual({ afterMs: 1500, everyMs: 500 })
    expect(reapTiming(60)).toEqual({ afterMs: 70_000, everyMs: 2000 })
    const reaping = await startTestServer({ sessionTimeoutSeconds: 1 })
    try {
      await withConnection(async (client, own) => {
        const classic = own(await connectClient(reaping.info.port))
        const idle = own(await setupUdp(client, "movie.Mjpeg", reaping))
        const polled = own(await setupUdp(client, "movie.Mjpeg", reaping))
        const reporting = own(await setupUdp(client, "movie.Mjpeg", reaping))
        const classicRx = own(await udpReceiver())
        classic.send(`SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= ${classicRx.port}`)
        const classicId = sessionIdOf(await classic.nextResponse())
        const rr = encodeRtcpCompound([{ _tag: "ReceiverReport", ssrc: 1, reports: [] }])
        const until = Date.now() + 3500
        while (Date.now() < until) {
          await client.request("GET_PARAMETER", reaping.url(), { Session: polled.id })
          reporting.rtcpRx.socket.send(rr, reaping.info.rtcpPort, "127.0.0.1")
          await sleep(250)
        }
        const live = reaping.info.sessions().map((s) => s.id).sort()
        expect(live).toEqual([polled.id, reporting.id, classicId].sort())
        expect(idle.rtcpPackets().flat()).toContainEqual({ _tag: "Goodbye", ssrcs: [idle.ssrc], reason: "timeout" })
        expect(reaping.metrics.snapshot().sessionsEnded["timeout"]).toBe(1)
      }, reaping)
    } finally {
      await reaping.close()
    }
  })
})

describe("standard dialect: end of media", () => {
  it("after the last frame: SR + SDES + BYE 'end of stream'; PLAY again starts over at frame 0", async () => {
    // 200 frames at 200 fps: the whole file in one second.
    const fast = await startTestServer({ fps: 200 })
    try {
      await withPlayingSession({}, async (client, session, play) => {
        expect(header(play, "Range")).toBe("npt=0-1")
        const byeOf = () => session.rtcpPackets().find((c) => c.some((p) => p._tag === "Goodbye"))
        expect(await waitUntilAsync(() => byeOf() !== undefined, 3000)).toBe(true)
        const packets = session.packets()
        expect(markers(packets)).toBe(200)
        const last = packets[packets.length - 1]!
        const start = rtpInfoOf(play)
        expect(last.header.timestamp).toBe((start.rtptime + 199 * 450) >>> 0)
        expect(byeOf()!.map((p) => p._tag)).toEqual(["SenderReport", "SourceDescription", "Goodbye"])
        expect(byeOf()![0]).toMatchObject({ ssrc: session.ssrc, rtpTimestamp: last.header.timestamp, packetCount: packets.length })
        expect(byeOf()![2]).toEqual({ _tag: "Goodbye", ssrcs: [session.ssrc], reason: "end of stream" })
        const frames = rebuildFrames(packets)
        expect(await frameNumberOf(frames[199]!.jpeg)).toBe(199)
        // The session stays; nothing more flows until PLAY.
        expect(fast.info.sessions().find((s) => s.id === session.id)?.framesSent).toBe(200)
        const count = session.rtpRx.packets.length
        await sleep(100)
        expect(session.rtpRx.packets.length).toBe(count)

        const again = await client.request("PLAY", fast.url(), { Session: session.id })
        expect(again.statusCode).toBe(200)
        expect(header(again, "Range")).toBe("npt=0-1")
        const info = rtpInfoOf(again)
        expect(info.seq).toBe((last.header.sequenceNumber + 1) & 0xffff)
        expect(await waitUntilAsync(() => markers(session.packets()) >= 201, 1000)).toBe(true)
        const restarted = session.packets().slice(packets.length)
        expect(restarted[0]!.header.timestamp).toBe(info.rtptime)
        expect(await frameNumberOf(rebuildFrames(restarted)[0]!.jpeg)).toBe(0)
      }, { target: fast })
    } finally {
      await fast.close()
    }
  })
})
