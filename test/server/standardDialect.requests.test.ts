/** Standard dialect request/response conformance: OPTIONS, DESCRIBE, SETUP (UDP, TCP, Transport lists) and GET_PARAMETER. */
import { describe, expect, it } from "@effect/vitest"
import { udpReceiver } from "../support/rtspTestClient.js"
import { startTestServer } from "../support/testServer.js"
import { ALL_METHODS, header, PLAY_PUBLIC, server, setupUdp, useServer, withConnection, withUdpSession } from "./standardDialectKit.js"

useServer()

describe("standard dialect: requests", () => {
  it("OPTIONS lists the seven play methods in Public without --publish (no ANNOUNCE, no RECORD)", () =>
    withConnection(async (client) => {
      const reply = await client.request("OPTIONS", "*")
      expect(reply.statusCode).toBe(200)
      expect(header(reply, "CSeq")).toBe("1")
      expect(header(reply, "Public")).toBe(PLAY_PUBLIC)
      const again = await client.request("OPTIONS", server.url())
      expect([again.statusCode, header(again, "CSeq"), header(again, "Public")]).toEqual([200, "2", PLAY_PUBLIC])
    }))

  it("OPTIONS lists all nine methods in Public with --publish", async () => {
    const publishing = await startTestServer({ publish: true })
    try {
      await withConnection(async (client) => {
        const reply = await client.request("OPTIONS", "*")
        expect([reply.statusCode, header(reply, "Public")]).toEqual([200, ALL_METHODS])
        const again = await client.request("OPTIONS", publishing.url())
        expect([again.statusCode, header(again, "Public")]).toEqual([200, ALL_METHODS])
      }, publishing)
    } finally {
      await publishing.close()
    }
  })

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
