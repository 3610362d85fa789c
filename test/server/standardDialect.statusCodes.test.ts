/** Standard dialect refusals: the exact status code (400, 404, 405, 454, 455, 457, 461, 501, 505, 551) of every refused request. */
import { describe, expect, it } from "@effect/vitest"
import { connectClient, sessionIdOf } from "../support/rtspTestClient.js"
import { sleep } from "./streamHelpers.js"
import { ALL_METHODS, header, PLAY_PUBLIC, server, useServer, withConnection } from "./standardDialectKit.js"

useServer()

describe("standard dialect: status codes", () => {
  it.each(["PLAY", "PAUSE", "TEARDOWN"])("455 for %s before SETUP, with Allow", (method) =>
    withConnection(async (client) => {
      const reply = await client.request(method, server.url())
      expect(reply.statusCode).toBe(455)
      expect(reply.reason).toBe("Method Not Valid in This State")
      // Without --publish, ANNOUNCE is not offered: it would be 405.
      expect(header(reply, "Allow")).toBe("OPTIONS, DESCRIBE, SETUP, GET_PARAMETER")
    }))

  it("455 for PAUSE in READY, with Allow", () =>
    withConnection(async (client) => {
      const setup = await client.request("SETUP", server.url(), { Transport: "RTP/AVP/TCP;unicast" })
      const reply = await client.request("PAUSE", server.url(), { Session: sessionIdOf(setup) })
      expect(reply.statusCode).toBe(455)
      // RECORD is for publishers' sessions: a play session is not offered it.
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

  it.each(["RECORD", "ANNOUNCE"])("405 for %s without --publish, with Allow of the play methods", (method) =>
    withConnection(async (client) => {
      const reply = await client.request(method, server.url())
      expect(reply.statusCode).toBe(405)
      expect(reply.reason).toBe("Method Not Allowed")
      expect(header(reply, "Allow")).toBe(PLAY_PUBLIC)
      // Before any session lookup: a Session nobody made is not a 454 here.
      const withSession = await client.request(method, server.url(), { Session: "0123456789ABCDEF0123456789ABCDEF" })
      expect([withSession.statusCode, header(withSession, "Allow")]).toEqual([405, PLAY_PUBLIC])
      // The connection goes on.
      expect((await client.request("OPTIONS", "*")).statusCode).toBe(200)
    }))

  it.each(["SET_PARAMETER", "REDIRECT", "FOO"])("501 for %s, with Public and Allow", (method) =>
    withConnection(async (client) => {
      const reply = await client.request(method, server.url())
      expect(reply.statusCode).toBe(501)
      expect(header(reply, "Public")).toBe(ALL_METHODS)
      expect(header(reply, "Allow")).toBe(ALL_METHODS)
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
