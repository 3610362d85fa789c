/**
 * An impaired session on the wire against the server's own record of it: the packets that never
 * came are the ones it says it dropped, the copies are the duplicates it counts, the late ones
 * the ones it held back; the same seed gives the same packets over UDP and over TCP; a bad query
 * is 400 with the reason in the body, and a clean session beside it loses nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { parseImpairmentStats } from "../../src/impair/impairmentStats.js"
import { rtpSequenceNumberAt } from "../../src/protocol/rtp.js"
import { decodeRtcpCompound } from "../../src/protocol/rtcpDecode.js"
import { connectClient, sessionIdOf, sleep, type TestRtspClient, udpReceiver } from "../support/rtspTestClient.js"
import { startTestServer, type TestServer } from "../support/testServer.js"
import { header } from "./standardDialectKit.js"

// The sample at 100 fps: its 200 frames in 2 s.
let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ fps: 100 })
})
afterAll(async () => {
  await server.close()
})

let cseq = 5000

const stats = async (client: TestRtspClient, session: string) => {
  const body = "impairment-stats\r\n"
  client.send(`GET_PARAMETER ${server.url()} RTSP/1.0\r\nCSeq: ${cseq++}\r\nSession: ${session}\r\nContent-Type: text/parameters\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
  const reply = await client.nextResponse()
  expect(reply.statusCode).toBe(200)
  expect(header(reply, "Content-Type")).toBe("text/parameters")
  expect(header(reply, "Session")?.split(";")[0]).toBe(session)
  return Either.getOrThrow(parseImpairmentStats(reply.body.toString()))
}

/** Plays the whole file with `query` over UDP or TCP: the sequence numbers as they arrived, and the server's record. */
const playImpaired = async (query: string, transport: "udp" | "tcp") => {
  const client = await connectClient(server.info.port)
  const rtp = await udpReceiver()
  const rtcp = await udpReceiver()
  try {
    const described = await client.request("DESCRIBE", server.url(`movie.Mjpeg?${query}`))
    expect(described.statusCode, described.body.toString()).toBe(200)
    // SETUP without the query, as players build it from Content-Base: the DESCRIBE's choice holds.
    const setup = await client.request("SETUP", server.url("movie.Mjpeg/streamid=0"), {
      Transport: transport === "udp" ? `RTP/AVP;unicast;client_port=${rtp.port}-${rtcp.port}` : "RTP/AVP/TCP;unicast;interleaved=0-1"
    })
    expect(setup.statusCode).toBe(200)
    const session = sessionIdOf(setup)
    expect((await client.request("PLAY", server.url("movie.Mjpeg"), { Session: session })).statusCode).toBe(200)
    const arrived = (): Array<number> => transport === "udp"
      ? rtp.packets.map((p) => rtpSequenceNumberAt(p.data, 0))
      : client.interleaved.filter((f) => f.channel === 0).map((f) => rtpSequenceNumberAt(f.payload, 0))
    // The end of the file: its BYE, or nothing new for a while (bounded).
    let last = -1
    for (let i = 0; i < 100 && arrived().length !== last; i++) {
      last = arrived().length
      await sleep(300)
    }
    const record = await stats(client, session)
    return { seqs: arrived(), record }
  } finally {
    client.close()
    rtp.close()
    rtcp.close()
  }
}

/** Packets that came after a higher sequence number had (no wrap within one file's 1,491 packets from a random start is not assumed: unwrap). */
const late = (seqs: ReadonlyArray<number>): number => {
  let max = -1
  let count = 0
  for (const s of unwrap(seqs)) {
    if (s < max) count++
    else max = s
  }
  return count
}

/** Whether an RTCP compound holds a BYE. */
const hasRtcpGoodbye = (compound: Buffer): boolean =>
  Either.match(decodeRtcpCompound(compound), { onLeft: () => false, onRight: (packets) => packets.some((p) => p._tag === "Goodbye") })

const unwrap = (seqs: ReadonlyArray<number>): Array<number> => {
  const out: Array<number> = []
  let base = 0
  let previous: number | undefined
  for (const s of seqs) {
    if (previous !== undefined && s - previous < -32768) base += 65536
    if (previous !== undefined && s - previous > 32768) base -= 65536
    out.push(s + base)
    previous = s
  }
  return out
}

describe("an impaired session against the server's record", () => {
  it.each(["udp", "tcp"] as const)("over %s: lost, duplicated and reordered packets are exactly what the record says", async (transport) => {
    const { seqs, record: stats } = await playImpaired("loss=3%25&dup=1%25&reorder=2%25&seed=21", transport)
    const { record } = stats
    expect(stats.profile).toBe("inline")
    expect(stats.seed).toBe(21)
    const distinct = new Set(seqs).size
    const dropped = Object.values(record.dropped).reduce((a, b) => a + b, 0)
    expect(record.packets).toBeGreaterThan(1400)
    expect(dropped).toBeGreaterThan(0)
    // A packet still held back when the file ends goes with the end, late as counted.
    expect(late(seqs)).toBe(record.reordered)
    expect(record.packets - distinct).toBe(dropped)
    expect(seqs.length - distinct).toBe(record.duplicated)
  }, 30_000)

  it("the end-of-stream BYE comes after every delayed and held-back packet", async () => {
    const client = await connectClient(server.info.port)
    try {
      expect((await client.request("DESCRIBE", server.url("movie.Mjpeg?delay=300ms&jitter=20ms&reorder=3%25&seed=4"))).statusCode).toBe(200)
      const setup = await client.request("SETUP", server.url("movie.Mjpeg/streamid=0"), { Transport: "RTP/AVP/TCP;unicast;interleaved=0-1" })
      const session = sessionIdOf(setup)
      expect((await client.request("PLAY", server.url("movie.Mjpeg"), { Session: session })).statusCode).toBe(200)
      const isGoodbye = (f: { readonly channel: number; readonly payload: Buffer }) => f.channel === 1 && hasRtcpGoodbye(f.payload)
      for (let i = 0; i < 100 && !client.interleaved.some(isGoodbye); i++) await sleep(100)
      const bye = client.interleaved.findIndex(isGoodbye)
      expect(bye).toBeGreaterThan(0)
      const rtpAfter = client.interleaved.slice(bye).filter((f) => f.channel === 0)
      expect(rtpAfter).toHaveLength(0)
      const seqs = client.interleaved.filter((f) => f.channel === 0).map((f) => rtpSequenceNumberAt(f.payload, 0))
      const { record } = await stats(client, session)
      expect(record.delay.count).toBe(record.packets)
      expect(seqs.length).toBe(record.packets)
      expect(late(seqs)).toBe(record.reordered)
    } finally {
      client.close()
    }
  }, 30_000)

  it("the same seed drops the same packets over UDP and over TCP", async () => {
    const udp = await playImpaired("impair=lossy-wifi&seed=5", "udp")
    const tcp = await playImpaired("impair=lossy-wifi&seed=5", "tcp")
    expect(udp.record.profile).toBe("lossy-wifi")
    expect(tcp.record.record.dropped).toEqual(udp.record.record.dropped)
    expect(tcp.record.record.duplicated).toBe(udp.record.record.duplicated)
    expect(tcp.record.record.packets).toBe(udp.record.record.packets)
  }, 30_000)

  it("a bad query is 400 with the reason in the body; a clean session beside it loses nothing", async () => {
    const client = await connectClient(server.info.port)
    try {
      for (const [query, reason] of [["loss=150%25", "loss"], ["los=2%25", "los"], ["delay=-5ms", "delay"], ["seed=abc", "seed"], ["impair=nope", "nope"]] as const) {
        const reply = await client.request("DESCRIBE", server.url(`movie.Mjpeg?${query}`))
        expect(reply.statusCode).toBe(400)
        expect(header(reply, "Content-Type")).toBe("text/plain")
        expect(reply.body.toString()).toContain(reason)
      }
    } finally {
      client.close()
    }
    const [impaired, clean] = await Promise.all([playImpaired("impair=bursty&seed=3", "udp"), playImpaired("", "udp")])
    expect(impaired.record.profile).toBe("bursty")
    expect(clean.record.profile).toBe("none")
    const unwrapped = unwrap(clean.seqs)
    expect(unwrapped.length).toBe(unwrapped[unwrapped.length - 1]! - unwrapped[0]! + 1)
  }, 30_000)
})
