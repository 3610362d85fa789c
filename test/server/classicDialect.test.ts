/**
 * The classic teaching dialect (Kurose–Ross lab client) over real sockets:
 * the exact request bytes that client sends, the reply layout it reads by
 * position, and whole-JPEG RTP datagrams numbered 1, 2, 3 ...
 */
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { connectClient, type TestRtspClient, udpReceiver, type UdpReceiver } from "../support/rtspTestClient.js"
import { startTestServer, type TestServer } from "../support/testServer.js"
import { frameNumberOf, replyLines, sleep } from "./streamHelpers.js"

/** The sample file's frames, split by the lab format's 5-digit length prefixes. */
const fileFrames = (): Array<Buffer> => {
  const bytes = readFileSync("video/movie.Mjpeg")
  const frames: Array<Buffer> = []
  for (let at = 0; at < bytes.length;) {
    const length = Number(bytes.subarray(at, at + 5).toString("latin1"))
    frames.push(bytes.subarray(at + 5, at + 5 + length))
    at += 5 + length
  }
  return frames
}
const FRAMES = fileFrames()

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server.close()
})

interface ClassicClient {
  readonly rtsp: TestRtspClient
  /** Every chunk the server wrote to us, in order. */
  readonly chunks: Array<Buffer>
  /** Sends one request in one write (as the lab client does) and returns the reply's chunk. */
  readonly request: (bytes: string) => Promise<Buffer>
  readonly close: () => void
}

const classicClient = async (): Promise<ClassicClient> => {
  const rtsp = await connectClient(server.info.port)
  const chunks: Array<Buffer> = []
  rtsp.socket.on("data", (chunk: Buffer) => chunks.push(chunk))
  return {
    rtsp,
    chunks,
    request: async (bytes) => {
      const before = chunks.length
      rtsp.send(bytes)
      await rtsp.nextResponse()
      // One reply, one write: exactly one chunk arrived for it.
      expect(chunks.length).toBe(before + 1)
      return chunks[chunks.length - 1]!
    },
    close: () => rtsp.close()
  }
}

const setupBytes = (cseq: number, port: number, target = "movie.Mjpeg"): string =>
  `SETUP ${target} RTSP/1.0\nCSeq: ${cseq}\nTransport: RTP/UDP; client_port= ${port}`
const requestBytes = (method: string, cseq: number, session: string): string =>
  `${method} movie.Mjpeg RTSP/1.0\nCSeq: ${cseq}\nSession: ${session}`

/** Checks the classic layout by position and returns the session id on line 3. */
const expectClassicReply = (reply: Buffer, status: string, cseq: number): string => {
  expect(reply.length).toBeLessThan(256)
  const lines = replyLines(reply)
  expect(lines).toHaveLength(3)
  expect(lines[0]).toBe(`RTSP/1.0 ${status}`)
  expect(lines[1]).toBe(`CSeq: ${cseq}`)
  expect(lines[2]).toMatch(/^Session: \d+$/)
  // The client does int() on what follows "Session: ".
  return lines[2]!.slice("Session: ".length)
}

interface Datagram {
  readonly seq: number
  readonly timestamp: number
  readonly payload: Buffer
}

const datagrams = (rx: UdpReceiver): Array<Datagram> =>
  rx.packets.map(({ data }) => ({ seq: data.readUInt16BE(2), timestamp: data.readUInt32BE(4), payload: data.subarray(12) }))

describe("classic dialect", () => {
  it("SETUP with the lab client's exact bytes: 3-line reply, 6-digit non-zero decimal session, no timeout, one write", async () => {
    const client = await classicClient()
    const rx = await udpReceiver()
    try {
      const sent = performance.now()
      const reply = await client.request(setupBytes(1, rx.port))
      // The reply is held back a little (the lab client's send/flag race).
      expect(performance.now() - sent).toBeGreaterThanOrEqual(10)
      const id = expectClassicReply(reply, "200 OK", 1)
      expect(id).toMatch(/^[1-9]\d{5}$/)
      expect(reply.toString("latin1")).toBe(`RTSP/1.0 200 OK\r\nCSeq: 1\r\nSession: ${id}\r\n\r\n`)
      expect(reply.toString("latin1")).not.toContain("timeout")
      expect(server.info.sessions().find((s) => s.id === id)).toMatchObject({ dialect: "classic", state: "ready", media: "movie.Mjpeg" })
      // Nothing flows before PLAY.
      await sleep(100)
      expect(rx.packets).toHaveLength(0)
    } finally {
      client.close()
      rx.close()
    }
  })

  it("PLAY: whole JPEG frames in single datagrams, 12-byte header V=2 PT=26, seq 1, 2, 3 ..., paced at 20 fps", async () => {
    const client = await classicClient()
    const rx = await udpReceiver()
    try {
      const id = expectClassicReply(await client.request(setupBytes(1, rx.port)), "200 OK", 1)
      const play = await client.request(requestBytes("PLAY", 2, id))
      expect(play.toString("latin1")).toBe(`RTSP/1.0 200 OK\r\nCSeq: 2\r\nSession: ${id}\r\n\r\n`)
      await sleep(300)
      // 20 fps: about 6 frames in 300 ms, not a burst of the whole file.
      const count = rx.packets.length
      expect(count).toBeGreaterThanOrEqual(4)
      expect(count).toBeLessThanOrEqual(9)
      const got = datagrams(rx)
      for (const [k, { data }] of rx.packets.entries()) {
        expect(data[0]).toBe(0x80)
        expect(data[1]).toBe(26)
        const d = got[k]!
        expect(d.seq).toBe(k + 1)
        expect(d.timestamp).toBe(k * 4500)
        // No RFC 2435 header: the payload is the file's JPEG, byte for byte.
        expect(d.payload.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]))
        expect(d.payload.equals(FRAMES[k]!)).toBe(true)
      }
      expect(new Set(rx.packets.map(({ data }) => data.readUInt32BE(8))).size).toBe(1)
      expect(await frameNumberOf(got[0]!.payload)).toBe(0)
      expect(await frameNumberOf(got[3]!.payload)).toBe(3)
      const times = rx.packets.map((p) => p.at)
      expect(times[times.length - 1]! - times[0]!).toBeGreaterThanOrEqual((count - 1) * 50 - 20)
    } finally {
      client.close()
      rx.close()
    }
  })

  it("PAUSE stops the flow at once; PLAY resumes with the next sequence number and frame", async () => {
    const client = await classicClient()
    const rx = await udpReceiver()
    try {
      const id = expectClassicReply(await client.request(setupBytes(1, rx.port)), "200 OK", 1)
      await client.request(requestBytes("PLAY", 2, id))
      expect(await rx.waitFor(4, 2000)).toBeGreaterThanOrEqual(4)
      const pause = await client.request(requestBytes("PAUSE", 3, id))
      expect(pause.toString("latin1")).toBe(`RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: ${id}\r\n\r\n`)
      const atReply = rx.packets.length
      await sleep(150)
      expect(rx.packets.length).toBe(atReply)
      expect(server.info.sessions().find((s) => s.id === id)?.state).toBe("ready")

      const resume = await client.request(requestBytes("PLAY", 4, id))
      expectClassicReply(resume, "200 OK", 4)
      expect(await rx.waitFor(atReply + 3, 2000)).toBeGreaterThanOrEqual(atReply + 3)
      const got = datagrams(rx)
      // Not reset by PAUSE/PLAY: 1, 2, ..., n, n+1, ...
      expect(got.map((d) => d.seq)).toEqual(got.map((_, k) => k + 1))
      for (const [k, d] of got.entries()) expect(d.payload.equals(FRAMES[k]!)).toBe(true)
    } finally {
      client.close()
      rx.close()
    }
  })

  it("TEARDOWN: reply in the classic layout, flow stops, session gone, and the server keeps the connection open", async () => {
    const client = await classicClient()
    const rx = await udpReceiver()
    try {
      const id = expectClassicReply(await client.request(setupBytes(1, rx.port)), "200 OK", 1)
      await client.request(requestBytes("PLAY", 2, id))
      expect(await rx.waitFor(2, 2000)).toBeGreaterThanOrEqual(2)
      const teardown = await client.request(requestBytes("TEARDOWN", 3, id))
      expect(teardown.toString("latin1")).toBe(`RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: ${id}\r\n\r\n`)
      expect(server.info.sessions().some((s) => s.id === id)).toBe(false)
      const count = rx.packets.length
      // The client closes first, never the server.
      expect(await client.rtsp.waitClosed(400)).toBe(false)
      expect(rx.packets.length).toBe(count)
      // The connection still works: the lab client can set up again.
      const again = expectClassicReply(await client.request(setupBytes(4, rx.port)), "200 OK", 4)
      expect(again).toMatch(/^[1-9]\d{5}$/)
      expect(again).not.toBe(id)
    } finally {
      client.close()
      rx.close()
    }
  })

  it.each([
    ["client_port = N", (port: number) => `SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port = ${port}`],
    ["client_port=N", (port: number) => `SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP;client_port=${port}`],
    ["video/movie.Mjpeg as the target", (port: number) => setupBytes(1, port, "video/movie.Mjpeg")],
    ["a trailing newline", (port: number) => `${setupBytes(1, port)}\n`],
    ["\\r\\n line ends and a blank line", (port: number) => `SETUP movie.Mjpeg RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/UDP; client_port= ${port}\r\n\r\n`]
  ])("SETUP variant: %s", async (_, bytes) => {
    const client = await classicClient()
    const rx = await udpReceiver()
    try {
      const id = expectClassicReply(await client.request(bytes(rx.port)), "200 OK", 1)
      expect(id).toMatch(/^[1-9]\d{5}$/)
      await client.request(requestBytes("PLAY", 2, id))
      expect(await rx.waitFor(1, 2000)).toBeGreaterThanOrEqual(1)
      expect(rx.packets[0]!.data.subarray(12).equals(FRAMES[0]!)).toBe(true)
    } finally {
      client.close()
      rx.close()
    }
  })

  it.each([
    ["SETUP of a missing file", (port: number) => setupBytes(1, port, "nope.Mjpeg"), "404 Not Found", "0"],
    ["SETUP of a traversal", (port: number) => setupBytes(1, port, "../video/movie.Mjpeg"), "404 Not Found", "0"],
    ["PLAY before SETUP (Session: 0)", () => requestBytes("PLAY", 1, "0"), "455 Method Not Valid in This State", "0"],
    ["TEARDOWN before SETUP (Session: 0)", () => requestBytes("TEARDOWN", 1, "0"), "455 Method Not Valid in This State", "0"],
    ["PLAY of an unknown session", () => requestBytes("PLAY", 1, "123456"), "454 Session Not Found", "123456"],
    ["PLAY without a Session line", () => "PLAY movie.Mjpeg RTSP/1.0\nCSeq: 1", "455 Method Not Valid in This State", "0"],
    ["an unknown method", () => "FOO movie.Mjpeg RTSP/1.0\nCSeq: 1", "501 Not Implemented", "0"],
    ["RECORD without --publish", () => "RECORD movie.Mjpeg RTSP/1.0\nCSeq: 1", "405 Method Not Allowed", "0"]
  ])("error reply keeps the 3-line layout: %s", async (_, bytes, status, session) => {
    const client = await classicClient()
    const rx = await udpReceiver()
    try {
      const reply = await client.request(bytes(rx.port))
      expect(expectClassicReply(reply, status, 1)).toBe(session)
      expect(await client.rtsp.waitClosed(50)).toBe(false)
    } finally {
      client.close()
      rx.close()
    }
  })

  it("each classic session gets its own decimal id and its own sequence from 1", async () => {
    const a = await classicClient()
    const b = await classicClient()
    const rxA = await udpReceiver()
    const rxB = await udpReceiver()
    try {
      const idA = expectClassicReply(await a.request(setupBytes(1, rxA.port)), "200 OK", 1)
      const idB = expectClassicReply(await b.request(setupBytes(1, rxB.port)), "200 OK", 1)
      expect(idA).not.toBe(idB)
      await a.request(requestBytes("PLAY", 2, idA))
      await sleep(120)
      await b.request(requestBytes("PLAY", 2, idB))
      expect(await rxB.waitFor(2, 2000)).toBeGreaterThanOrEqual(2)
      expect(datagrams(rxB).slice(0, 2).map((d) => d.seq)).toEqual([1, 2])
      expect(datagrams(rxA)[0]!.seq).toBe(1)
      // A session belongs to its connection.
      const stolen = await b.request(requestBytes("PAUSE", 3, idA))
      expectClassicReply(stolen, "454 Session Not Found", 3)
    } finally {
      a.close()
      b.close()
      rxA.close()
      rxB.close()
    }
  })
})
