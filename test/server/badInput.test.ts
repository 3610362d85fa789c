/**
 * Bad and hostile input: each case gets its exact status (or a closed
 * connection), while a second client streams over UDP on the same server and
 * must not notice: its frames keep arriving at the media rate with no gap
 * over 200 ms.
 */
import { describe, expect, it } from "@effect/vitest"
import type { RtpPacket } from "../../src/protocol/rtp.js"
import { getHeader } from "../../src/protocol/rtsp/message.js"
import type { ServerConfig } from "../../src/server/config.js"
import { connectClient, sessionIdOf, type TestRtspClient, udpReceiver } from "../support/rtspTestClient.js"
import { startTestServer, type TestServer } from "../support/testServer.js"
import { largestGap, rebuildFrames, rtp, sleep } from "./streamHelpers.js"
import { waitUntilAsync } from "../support/polling.js"

const MAX_GAP_MS = 200

interface Streamer {
  readonly id: string
  readonly frameTimes: () => Array<number>
  readonly close: () => void
}

/** A well-behaved client playing the sample over UDP. */
const startStreamer = async (server: TestServer): Promise<Streamer> => {
  const client = await connectClient(server.info.port)
  const rtpRx = await udpReceiver()
  const rtcpRx = await udpReceiver()
  const setup = await client.request("SETUP", server.url(), { Transport: `RTP/AVP;unicast;client_port=${rtpRx.port}-${rtcpRx.port}` })
  expect(setup.statusCode).toBe(200)
  const id = sessionIdOf(setup)
  expect((await client.request("PLAY", server.url(), { Session: id })).statusCode).toBe(200)
  expect(await waitUntilAsync(() => rtpRx.packets.length > 0, 1000)).toBe(true)
  return {
    id,
    // Arrival times of each frame's last packet.
    frameTimes: () => rtpRx.packets.filter((p) => (p.data[1]! & 0x80) !== 0).map((p) => p.at),
    close: () => {
      client.close()
      rtpRx.close()
      rtcpRx.close()
    }
  }
}

/** Frames kept coming between `from` and `to` (performance.now() times): no long gap, at least 60 % of the rate. */
const expectUndisturbed = (streamer: Streamer, from: number, to: number, fps: number): void => {
  const times = streamer.frameTimes().filter((t) => t >= from && t <= to)
  expect(largestGap([from, ...times, to])).toBeLessThanOrEqual(MAX_GAP_MS)
  expect(times.length).toBeGreaterThanOrEqual(Math.floor(((to - from) * fps) / 1000 * 0.6))
}

/**
 * Runs `attack` on a fresh server (looping media, so the stream never ends)
 * with a streamer playing throughout, then checks the streamer was undisturbed.
 */
const withStreamer = async (
  overrides: Partial<ServerConfig>,
  attack: (server: TestServer, streamer: Streamer) => Promise<void>
): Promise<void> => {
  const server = await startTestServer({ loop: true, ...overrides })
  let streamer: Streamer | undefined
  try {
    streamer = await startStreamer(server)
    const from = performance.now()
    await attack(server, streamer)
    await sleep(150)
    expectUndisturbed(streamer, from, performance.now(), overrides.fps ?? 20)
    expect(server.info.sessions().find((s) => s.id === streamer!.id)?.state).toBe("playing")
  } finally {
    streamer?.close()
    await server.close()
  }
}

const reply400 = async (client: TestRtspClient): Promise<string | undefined> => {
  const reply = await client.nextResponse()
  expect(reply.statusCode).toBe(400)
  return getHeader(reply.headers, "CSeq")
}

/** Deterministic "random" bytes. */
const noise = (length: number, seed: number): Buffer => {
  let s = seed >>> 0
  const bytes = Buffer.alloc(length)
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    bytes[i] = s >>> 24
  }
  return bytes
}

describe("bad input", () => {
  it.each([
    ["a header line that makes the section exceed 8 KiB", `OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX-Big: ${"a".repeat(9000)}\r\n\r\n`],
    ["9 KiB without any line end", "A".repeat(9 * 1024)],
    ["200 short header lines adding up to over 8 KiB", `OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n${"X-Pad: 0123456789012345678901234567890123456789\r\n".repeat(200)}\r\n`]
  ])("%s: 400 and the connection is closed", (_, bytes) =>
    withStreamer({}, async (server) => {
      const client = await connectClient(server.info.port)
      try {
        client.send(bytes)
        await reply400(client)
        expect(await client.waitClosed(1000)).toBe(true)
      } finally {
        client.close()
      }
    }))

  it.each([
    ["a body over 64 KiB", "SET_PARAMETER * RTSP/1.0\r\nCSeq: 3\r\nContent-Length: 70000\r\n\r\n"],
    ["a negative Content-Length", "SET_PARAMETER * RTSP/1.0\r\nCSeq: 3\r\nContent-Length: -5\r\n\r\n"],
    ["a Content-Length that is not a number", "SET_PARAMETER * RTSP/1.0\r\nCSeq: 3\r\nContent-Length: lots\r\n\r\n"]
  ])("%s: 400 echoing CSeq, and the connection is closed", (_, head) =>
    withStreamer({}, async (server) => {
      const client = await connectClient(server.info.port)
      try {
        client.send(head)
        client.send(noise(1000, 5))
        expect(await reply400(client)).toBe("3")
        expect(await client.waitClosed(1000)).toBe(true)
      } finally {
        client.close()
      }
    }))

  it.each([
    ["binary garbage ending in a blank line", Buffer.concat([noise(300, 1).map((b) => (b === 0x24 ? 0 : b)), Buffer.from("\r\n\r\n")]), undefined],
    ["control bytes", Buffer.from("\x00\x01\x02\x03\r\n\r\n"), undefined],
    ["an HTTP request", Buffer.from("GET / HTTP/1.1\r\nHost: example\r\n\r\n"), undefined],
    ["a header line without a colon", Buffer.from("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nno colon here\r\n\r\n"), "1"],
    ["70 headers", Buffer.from(`OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n${Array.from({ length: 70 }, (_, i) => `X-${i}: y\r\n`).join("")}\r\n`), "1"],
    ["a CSeq of 11 digits", Buffer.from("OPTIONS * RTSP/1.0\r\nCSeq: 12345678901\r\n\r\n"), undefined]
  ])("%s: 400, framing recovers and the next request is answered", (_, bytes, cseq) =>
    withStreamer({}, async (server) => {
      const client = await connectClient(server.info.port)
      try {
        client.send(bytes)
        expect(await reply400(client)).toBe(cseq)
        const options = await client.request("OPTIONS", "*")
        expect([options.statusCode, getHeader(options.headers, "CSeq")]).toEqual([200, "1"])
        expect(client.closed()).toBe(false)
      } finally {
        client.close()
      }
    }))

  it("binary garbage with no line end runs into the next request: one 400 for both, then the connection goes on", () =>
    withStreamer({}, async (server) => {
      const client = await connectClient(server.info.port)
      try {
        client.send(Buffer.from(noise(300, 2).map((b) => (b === 0x24 || b === 0x0a || b === 0x0d ? 0x20 : b))))
        await sleep(50)
        client.send("OPTIONS * RTSP/1.0\r\nCSeq: 8\r\n\r\n")
        await reply400(client)
        const options = await client.request("OPTIONS", "*")
        expect(options.statusCode).toBe(200)
      } finally {
        client.close()
      }
    }))

  // The idle-connection timeout is tested on TestClock in connectionTimers.test.ts.

  it("max connections: the third connection gets 503 with Retry-After and is closed; a freed slot is served again", () =>
    withStreamer({ maxConnections: 2 }, async (server) => {
      const second = await connectClient(server.info.port)
      // Both open connections have spoken: neither is a silent one to close for the newcomer (addressLimits.test.ts).
      expect((await second.request("OPTIONS", "*")).statusCode).toBe(200)
      const third = await connectClient(server.info.port)
      try {
        expect(await third.waitClosed(1000)).toBe(true)
        expect(third.raw().toString("latin1")).toBe("RTSP/1.0 503 Service Unavailable\r\nServer: effect-rtsp\r\nRetry-After: 5\r\n\r\n")
        second.close()
        expect(await waitUntilAsync(() => server.metrics.snapshot().connections === 1, 1000)).toBe(true)
        const fourth = await connectClient(server.info.port)
        try {
          expect((await fourth.request("OPTIONS", "*")).statusCode).toBe(200)
        } finally {
          fourth.close()
        }
      } finally {
        second.close()
        third.close()
      }
    }))

  it("max sessions: a second SETUP is 453 and makes no session", () =>
    withStreamer({ maxSessions: 1 }, async (server, streamer) => {
      const client = await connectClient(server.info.port)
      try {
        for (const transport of ["RTP/AVP/TCP;unicast", "RTP/AVP;unicast;client_port=40000-40001"]) {
          const reply = await client.request("SETUP", server.url(), { Transport: transport })
          expect(reply.statusCode).toBe(453)
          expect(reply.reason).toBe("Not Enough Bandwidth")
          expect(getHeader(reply.headers, "Session")).toBeUndefined()
        }
        expect(server.info.sessions().map((s) => s.id)).toEqual([streamer.id])
      } finally {
        client.close()
      }
    }))

  it("clients that vanish mid-request or mid-stream (FIN and RST) leave nothing behind", () =>
    withStreamer({}, async (server, streamer) => {
      const partial = await connectClient(server.info.port)
      partial.send(`SETUP ${server.url()} RTSP/1.0\r\nCSeq: 1\r\nTrans`)
      await sleep(30)
      partial.close()

      const playing = await connectClient(server.info.port)
      const setup = await playing.request("SETUP", server.url(), { Transport: "RTP/AVP/TCP;unicast" })
      expect((await playing.request("PLAY", server.url(), { Session: sessionIdOf(setup) })).statusCode).toBe(200)
      await sleep(120)
      playing.socket.resetAndDestroy()

      const udp = await connectClient(server.info.port)
      const rx = await udpReceiver()
      const udpSetup = await udp.request("SETUP", server.url(), { Transport: `RTP/AVP;unicast;client_port=${rx.port}-${rx.port + 1}` })
      expect((await udp.request("PLAY", server.url(), { Session: sessionIdOf(udpSetup) })).statusCode).toBe(200)
      udp.socket.end()
      try {
        const onlyStreamer = () => server.info.sessions().length === 1 && server.metrics.snapshot().connections === 1
        expect(await waitUntilAsync(onlyStreamer, 1000)).toBe(true)
        expect(server.info.sessions()[0]!.id).toBe(streamer.id)
        // The UDP flow of the vanished client stopped.
        const count = rx.packets.length
        await sleep(100)
        expect(rx.packets.length).toBe(count)
      } finally {
        udp.close()
        rx.close()
      }
    }))

  it("an interleaved frame on a channel no session uses is ignored", () =>
    withStreamer({}, async (server) => {
      const client = await connectClient(server.info.port)
      try {
        client.send(Buffer.from([0x24, 5, 0, 4, 1, 2, 3, 4]))
        const options = await client.request("OPTIONS", "*")
        expect(options.statusCode).toBe(200)
      } finally {
        client.close()
      }
    }))

  it("several requests in one write are answered in order", () =>
    withStreamer({}, async (server) => {
      const client = await connectClient(server.info.port)
      try {
        client.send(
          `OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\nDESCRIBE ${server.url()} RTSP/1.0\r\nCSeq: 2\r\n\r\nRECORD * RTSP/1.0\r\nCSeq: 3\r\n\r\nFOO * RTSP/1.0\r\nCSeq: 4\r\n\r\n`
        )
        const replies = [await client.nextResponse(), await client.nextResponse(), await client.nextResponse(), await client.nextResponse()]
        // RECORD without --publish is 405; FOO is not a method this server knows (501).
        expect(replies.map((r) => [getHeader(r.headers, "CSeq"), r.statusCode])).toEqual([["1", 200], ["2", 200], ["3", 405], ["4", 501]])
      } finally {
        client.close()
      }
    }))

  it("a flood of pipelined requests from a client that does not read: every one answered, in order, once it reads", () =>
    withStreamer({}, async (server) => {
      const client = await connectClient(server.info.port)
      try {
        const count = 3000
        client.socket.pause()
        client.send(Array.from({ length: count }, (_, i) => `OPTIONS * RTSP/1.0\r\nCSeq: ${i + 1}\r\n\r\n`).join(""))
        await sleep(300)
        client.socket.resume()
        const cseqs: Array<string | undefined> = []
        for (let i = 0; i < count; i++) cseqs.push(getHeader((await client.nextResponse()).headers, "CSeq"))
        expect(cseqs).toEqual(Array.from({ length: count }, (_, i) => String(i + 1)))
      } finally {
        client.close()
      }
    }))

  it("a saturated server refuses new sessions with 453 and takes them again once it has caught up", async () => {
    const server = await startTestServer({ fps: 200, loop: true })
    let streamer: Streamer | undefined
    const client = await connectClient(server.info.port)
    try {
      streamer = await startStreamer(server)
      // Starve the event loop (the server runs in this process): frames go out hundreds of ms late.
      for (let i = 0; i < 3; i++) {
        const until = performance.now() + 400
        while (performance.now() < until) { /* busy */ }
        await sleep(5)
      }
      const refused = await client.request("SETUP", server.url(), { Transport: "RTP/AVP;unicast;client_port=40000-40001" })
      expect(refused.statusCode).toBe(453)
      expect(getHeader(refused.headers, "Session")).toBeUndefined()
      let accepted = false
      for (let attempt = 0; attempt < 50 && !accepted; attempt++) {
        await sleep(100)
        const reply = await client.request("SETUP", server.url(), { Transport: "RTP/AVP;unicast;client_port=40002-40003" })
        accepted = reply.statusCode === 200
      }
      expect(accepted).toBe(true)
    } finally {
      streamer?.close()
      client.close()
      await server.close()
    }
  })

  it("a TCP interleaved client that stops reading loses whole frames (counted); the other client is unaffected", async () => {
    let received: Array<Buffer> = []
    await withStreamer({ fps: 200 }, async (server) => {
      const slow = await connectClient(server.info.port)
      try {
        const setup = await slow.request("SETUP", server.url(), { Transport: "RTP/AVP/TCP;unicast;interleaved=0-1" })
        const id = sessionIdOf(setup)
        expect((await slow.request("PLAY", server.url(), { Session: id })).statusCode).toBe(200)
        slow.socket.pause()
        const summary = () => server.info.sessions().find((s) => s.id === id)
        const dropped = () => summary()?.framesDropped ?? 0
        expect(await waitUntilAsync(() => dropped() >= 20, 8000)).toBe(true)
        expect(server.metrics.snapshot().sessions[id]!.framesDropped).toBe(dropped())
        expect(summary()?.state).toBe("playing")

        // Reading again: the backlog drains and the stream goes on past the hole; PAUSE ends it.
        slow.socket.resume()
        const sentBefore = summary()?.framesSent ?? 0
        expect(await waitUntilAsync(() => (summary()?.framesSent ?? 0) > sentBefore + 20, 2000)).toBe(true)
        expect((await slow.request("PAUSE", server.url(), { Session: id })).statusCode).toBe(200)
        expect(summary()?.framesDropped).toBeGreaterThanOrEqual(20)
        received = slow.interleaved.filter((f) => f.channel === 0).map((f) => f.payload)
      } finally {
        slow.close()
      }
    })
    // Analysed after the streamer's window: decoding thousands of packets here would stall this process, server included.
    const packets: Array<RtpPacket> = received.map((payload) => rtp(payload))
    const frames = rebuildFrames(packets)
    expect(frames.length).toBeGreaterThan(20)
    // Timestamps step by whole frames (450 at 200 fps), and somewhere by more: the dropped ones.
    const steps = frames.slice(1).map((f, i) => (f.timestamp - frames[i]!.timestamp) >>> 0)
    expect(steps.every((step) => step > 0 && step % 450 === 0)).toBe(true)
    expect(steps.some((step) => step > 450)).toBe(true)
    // Sequence numbers jump only between frames (a dropped frame still uses its numbers).
    for (let i = 1; i < packets.length; i++) {
      const gap = (packets[i]!.header.sequenceNumber - packets[i - 1]!.header.sequenceNumber) & 0xffff
      if (gap !== 1) expect(packets[i - 1]!.header.marker).toBe(true)
    }
  })
})
