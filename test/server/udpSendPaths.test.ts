/**
 * The server on both UDP send paths (--udp-batching on and off): the same
 * session gets the same datagrams (sequence numbers counted from the first,
 * marker bits, timestamps counted from the first, payload bytes), all from
 * the server_port SETUP announced, and the server says which path it uses.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Dgram from "node:dgram"
import { getHeader } from "../../src/protocol/rtsp/message.js"
import { parseTransport } from "../../src/protocol/rtsp/headers/transport.js"
import { Either } from "effect"
import { connectClient } from "../support/rtspTestClient.js"
import { waitUntilAsync } from "../support/polling.js"
import { startTestServer, type TestServer } from "../support/testServer.js"
import { rtp } from "./streamHelpers.js"

const PACKETS = 120

interface Received {
  readonly seq: number
  readonly marker: boolean
  readonly timestamp: number
  readonly payload: Buffer
  readonly fromPort: number
}

const servers: Record<"on" | "off", TestServer | undefined> = { on: undefined, off: undefined }

beforeAll(async () => {
  servers.on = await startTestServer({ udpBatching: true })
  servers.off = await startTestServer({ udpBatching: false })
})
afterAll(async () => {
  await servers.on?.close()
  await servers.off?.close()
})

/** Plays the sample over UDP and returns the first PACKETS datagrams, relative to the first, and the announced server port. */
const play = async (server: TestServer) => {
  const sink = Dgram.createSocket("udp4")
  const got: Array<Received> = []
  sink.on("message", (data, remote) => {
    const packet = rtp(data)
    got.push({ seq: packet.header.sequenceNumber, marker: packet.header.marker, timestamp: packet.header.timestamp, payload: Buffer.from(packet.payload), fromPort: remote.port })
  })
  await new Promise<void>((resolve) => sink.bind(0, "127.0.0.1", resolve))
  const port = sink.address().port
  const client = await connectClient(server.info.port)
  try {
    const setup = await client.request("SETUP", `${server.url()}/streamid=0`, { Transport: `RTP/AVP;unicast;client_port=${port}-${port + 1}` })
    expect(setup.statusCode).toBe(200)
    const session = (getHeader(setup.headers, "Session") ?? "").split(";")[0]!
    const transport = Either.getOrThrow(parseTransport(getHeader(setup.headers, "Transport") ?? ""))[0]!
    expect((await client.request("PLAY", server.url(), { Session: session })).statusCode).toBe(200)
    expect(await waitUntilAsync(() => got.length >= PACKETS, 10_000)).toBe(true)
    await client.request("TEARDOWN", server.url(), { Session: session })
    const first = got[0]!
    return {
      serverPort: transport.serverPort?.first,
      packets: got.slice(0, PACKETS).map((p) => ({
        seq: (p.seq - first.seq) & 0xffff,
        marker: p.marker,
        timestamp: (p.timestamp - first.timestamp) >>> 0,
        payload: p.payload.toString("base64"),
        fromPort: p.fromPort
      }))
    }
  } finally {
    client.close()
    sink.close()
  }
}

describe("UDP send paths", () => {
  it("batching on and off send the same datagrams, from the announced server port", async () => {
    const on = await play(servers.on!)
    const off = await play(servers.off!)
    expect(on.serverPort).toBe(servers.on!.info.rtpPort)
    expect(off.serverPort).toBe(servers.off!.info.rtpPort)
    expect(new Set(on.packets.map((p) => p.fromPort))).toEqual(new Set([servers.on!.info.rtpPort]))
    expect(new Set(off.packets.map((p) => p.fromPort))).toEqual(new Set([servers.off!.info.rtpPort]))
    expect(on.packets.map((p) => p.seq)).toEqual(Array.from({ length: PACKETS }, (_, i) => i))
    const strip = (packets: typeof on.packets) => packets.map(({ fromPort: _, ...rest }) => rest)
    expect(strip(on.packets)).toEqual(strip(off.packets))
  })

  it("each server says which path it uses, and /metrics says it too", () => {
    expect(servers.off!.info.udpSendPath()).toEqual({ _tag: "Plain", reason: "turned off (--udp-batching off)" })
    expect(servers.off!.metrics.render()).toContain("rtsp_udp_send_path{path=\"plain\"} 1\n")
    expect(servers.on!.metrics.snapshot().udpSendPath).toBe(servers.on!.info.udpSendPath()._tag === "Gso" ? "gso" : "plain")
    const path = servers.on!.info.udpSendPath()
    if (process.platform === "linux" && process.env.CI === "true") expect(path).toEqual({ _tag: "Gso" })
    else if (path._tag === "Plain") console.log(`[skip] the fast path here: ${path.reason}`)
    else expect(path).toEqual({ _tag: "Gso" })
  })
})
