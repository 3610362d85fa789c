/**
 * The web player's pure parts: which buttons each state allows, the frame message, the live fps
 * and intervals, the errors in words, and the page's escaping.
 */
import { describe, expect, it } from "@effect/vitest"
import { RtspClientError } from "../../../harness/client/RtspClient.js"
import { describeError, statusHint } from "../../../harness/web/errorText.js"
import { makeLiveWindow } from "../../../harness/web/liveWindow.js"
import { renderPage } from "../../../harness/web/page.js"
import { allowedActions, frameMessage } from "../../../harness/web/status.js"
import { UdpSocketError } from "../../../src/net/UdpSocket.js"

describe("allowedActions", () => {
  it.each([
    ["init", false, ["setup"]],
    ["ready", false, ["play", "teardown"]],
    ["playing", false, ["pause", "teardown"]],
    ["init", true, []],
    ["ready", true, []],
    ["playing", true, []]
  ] as const)("%s (busy %s) -> %j", (state, busy, expected) => {
    expect(allowedActions(state, busy)).toEqual(expected)
  })
})

describe("frameMessage", () => {
  it("is the 0-based index as uint32 big-endian, then the JPEG bytes", () => {
    const message = frameMessage(258, Buffer.from([0xff, 0xd8, 0xff, 0xd9]))
    expect([...message]).toEqual([0, 0, 1, 2, 0xff, 0xd8, 0xff, 0xd9])
    expect(frameMessage(2 ** 32 + 5, Buffer.alloc(0)).readUInt32BE(0)).toBe(5)
  })
})

describe("live window", () => {
  it("fps over the last second; 0 when paused; the chain broken at PLAY leaves no gap interval", () => {
    const live = makeLiveWindow({ windowMs: 1000, intervals: 5 })
    for (let k = 0; k <= 20; k++) live.onFrame(1000 + k * 50)
    expect(live.fps(2000)).toBeCloseTo(20, 5)
    expect(live.fps(2000 + 1000)).toBe(0)
    expect(live.intervalsMs()).toEqual([50, 50, 50, 50, 50])
    live.breakChain()
    live.onFrame(5000)
    live.onFrame(5040)
    expect(live.intervalsMs()).toEqual([50, 50, 50, 50, 40])
    expect(live.fps(5040)).toBeCloseTo(25, 5)
  })

  it("fewer than two frames in the window is 0 fps", () => {
    const live = makeLiveWindow()
    expect(live.fps(0)).toBe(0)
    live.onFrame(10)
    expect(live.fps(20)).toBe(0)
    expect(live.intervalsMs()).toEqual([])
  })
})

describe("errors in words", () => {
  it.each([
    [new RtspClientError({ reason: "Connect", message: "cannot connect to 127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9" }), /^Connection refused: nothing is listening there \(cannot connect/],
    [new RtspClientError({ reason: "Connect", message: "cannot connect to nohost:554: getaddrinfo ENOTFOUND nohost" }), /^Unknown host/],
    [new RtspClientError({ reason: "Timeout", method: "PLAY", message: "PLAY rtsp://h/x: no response in 5000 ms" }), /^No answer in time/],
    [new RtspClientError({ reason: "Closed", message: "connection closed" }), /^The server closed the connection/],
    [new RtspClientError({ reason: "Protocol", method: "SETUP", message: "bad Transport" }), /^The server's reply did not make sense to SETUP/],
    [new RtspClientError({ reason: "Status", method: "DESCRIBE", status: 404, message: "DESCRIBE answered 404 Not Found" }), /^DESCRIBE answered 404 Not Found: the server has no such stream/],
    [new RtspClientError({ reason: "Status", method: "PLAY", status: 454, message: "PLAY answered 454 Session Not Found" }), /454 Session Not Found: the server does not know this session .*press Setup again/],
    [new RtspClientError({ reason: "Status", method: "PLAY", status: 599, message: "PLAY answered 599 Odd" }), /^PLAY answered 599 Odd$/],
    [new UdpSocketError({ reason: "Bind", message: "EADDRINUSE" }), /^Cannot open the UDP ports for RTP \(EADDRINUSE\)/],
    [new Error("boom"), /^boom$/]
  ] as const)("%s", (error, expected) => {
    expect(describeError(error)).toMatch(expected)
  })

  it("has words for the statuses people meet", () => {
    for (const status of [401, 404, 454, 455, 461, 503]) expect(statusHint(status)).toMatch(/\S/)
    expect(statusHint(200)).toBeUndefined()
  })
})

describe("the page", () => {
  it("escapes the default URL and references nothing outside itself", () => {
    const html = renderPage({ defaultUrl: `rtsp://h/"><script>alert(1)</script>` })
    expect(html).toContain('value="rtsp://h/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"')
    expect(html).not.toContain("<script>alert")
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//)
    expect(html).not.toMatch(/@import|url\(/)
  })
})
