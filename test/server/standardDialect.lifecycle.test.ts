/** Standard dialect session lifetime, each on its own server: the idle-session reaper and the end of the media. */
import { describe, expect, it } from "@effect/vitest"
import { encodeRtcpCompound } from "../../src/protocol/rtcp.js"
import { reapTiming } from "../../src/server/RtspServer.js"
import { connectClient, sessionIdOf, udpReceiver } from "../support/rtspTestClient.js"
import { startTestServer } from "../support/testServer.js"
import { waitUntilAsync } from "../support/polling.js"
import { frameNumberOf, rebuildFrames, sleep } from "./streamHelpers.js"
import { header, markers, rtpInfoOf, setupUdp, withConnection, withPlayingSession } from "./standardDialectKit.js"

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
