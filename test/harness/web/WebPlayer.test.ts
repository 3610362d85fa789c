/**
 * The web player's server side over real HTTP and WebSockets (port 0) against our RTSP server
 * (port 0): the four actions, frames to the viewer, a closed tab tearing its RTSP session down,
 * errors in words with the buttons back in a sane state, the cap, the reaper and shutdown.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import * as WebPlayer from "../../../harness/web/WebPlayer.js"
import { startTestServer, type TestServer } from "../../support/testServer.js"
import { waitUntil } from "../../support/polling.js"
import { isJpeg, newPageId, openViewer, post, refusedPort } from "./webHelpers.js"

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => {
  await server.close()
})

const startPlayer = (overrides: Partial<WebPlayer.WebPlayerOptions> = {}) =>
  WebPlayer.make({ host: "127.0.0.1", port: 0, defaultUrl: server.url(), idleGraceMs: 1000, rtspTimeoutMs: 2000, ...overrides })

const rtspSessions = () => server.info.sessions().length

describe("web player", () => {
  it.scopedLive("serves the page: the URL pre-filled, the four buttons, no external reference", () =>
    Effect.gen(function* () {
      const player = yield* startPlayer({ defaultUrl: "rtsp://127.0.0.1:8554/movie.Mjpeg?a=1&b=\"2\"" })
      const response = yield* Effect.promise(() => fetch(player.url))
      const html = yield* Effect.promise(() => response.text())
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toContain("text/html")
      expect(html).toContain('value="rtsp://127.0.0.1:8554/movie.Mjpeg?a=1&amp;b=&quot;2&quot;"')
      for (const id of ["setup", "play", "pause", "teardown"]) expect(html).toContain(`<button id="${id}"`)
      expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//)
      const missing = yield* Effect.promise(() => fetch(`${player.url}nothing-here`))
      expect(missing.status).toBe(404)
    }))

  it.scopedLive("SETUP, PLAY, PAUSE, PLAY, TEARDOWN through the endpoints; JPEG frames reach the tab; the buttons follow the state", () =>
    Effect.gen(function* () {
      const player = yield* startPlayer()
      const id = newPageId()
      const viewer = yield* openViewer(player.url, id)
      expect(viewer.statuses[0]).toMatchObject({ state: "init", allowed: ["setup"], frames: 0 })
      expect(player.pageSessions()).toBe(1)

      const setup = yield* post(player.url, id, "setup", { url: server.url(), transport: "udp", dialect: "standard" })
      expect(setup.code).toBe(200)
      expect(setup.status).toMatchObject({ state: "ready", allowed: ["play", "teardown"], transport: "udp", dialect: "standard" })
      expect(setup.status?.sessionId).toMatch(/^\S+$/)
      expect(setup.status?.lastRequest).toMatch(/^SETUP rtsp:\/\/127\.0\.0\.1:\d+\/movie\.Mjpeg\/\S+ RTSP\/1\.0\r\n/)
      expect(setup.status?.lastResponse).toMatch(/^RTSP\/1\.0 200 OK\r\n/)
      expect(rtspSessions()).toBe(1)

      const play = yield* post(player.url, id, "play")
      expect(play.status).toMatchObject({ state: "playing", allowed: ["pause", "teardown"] })
      expect(yield* waitUntil(() => viewer.frames.length >= 15, 5000)).toBe(true)
      for (const frame of viewer.frames.slice(0, 15)) expect(isJpeg(frame.subarray(4))).toBe(true)
      const indexes = viewer.frames.map((f) => f.readUInt32BE(0))
      expect(indexes).toEqual([...indexes].sort((a, b) => a - b))
      const lastStatus = () => viewer.statuses.at(-1)
      expect(yield* waitUntil(() => (lastStatus()?.fps ?? 0) > 10 && (lastStatus()?.frames ?? 0) >= 15, 3000)).toBe(true)
      const live = lastStatus()
      expect(live?.startupMs).toBeGreaterThanOrEqual(0)
      expect(live?.intervalsMs.length).toBeGreaterThan(5)
      expect(live?.packetsLost).toBe(0)

      const pause = yield* post(player.url, id, "pause")
      expect(pause.status).toMatchObject({ state: "ready", allowed: ["play", "teardown"] })
      yield* Effect.sleep("150 millis")
      const held = viewer.frames.length
      yield* Effect.sleep("500 millis")
      expect(viewer.frames.length).toBe(held)

      const again = yield* post(player.url, id, "play")
      expect(again.status?.state).toBe("playing")
      expect(yield* waitUntil(() => viewer.frames.length >= held + 5, 5000)).toBe(true)

      const teardown = yield* post(player.url, id, "teardown")
      expect(teardown.code).toBe(200)
      expect(teardown.status).toMatchObject({ state: "init", allowed: ["setup"] })
      expect(teardown.status?.lastRequest).toMatch(/^TEARDOWN /)
      expect(yield* waitUntil(() => rtspSessions() === 0, 3000)).toBe(true)
      // The tab still has its page session: Setup again works.
      const second = yield* post(player.url, id, "setup", { url: server.url(), transport: "tcp", dialect: "standard" })
      expect(second.status).toMatchObject({ state: "ready", transport: "tcp", frames: 0 })
      yield* post(player.url, id, "teardown")
    }))

  it.scopedLive("the classic dialect plays too (bare file name on the wire)", () =>
    Effect.gen(function* () {
      const player = yield* startPlayer()
      const id = newPageId()
      const viewer = yield* openViewer(player.url, id)
      const setup = yield* post(player.url, id, "setup", { url: server.url(), dialect: "classic" })
      expect(setup.status).toMatchObject({ state: "ready", dialect: "classic" })
      expect(setup.status?.lastRequest).toMatch(/^SETUP movie\.Mjpeg RTSP\/1\.0\n/)
      expect(setup.status?.sessionId).toMatch(/^[1-9]\d*$/)
      yield* post(player.url, id, "play")
      expect(yield* waitUntil(() => viewer.frames.length >= 5, 5000)).toBe(true)
      expect(isJpeg(viewer.frames[0]!.subarray(4))).toBe(true)
      yield* post(player.url, id, "teardown")
    }))

  it.scopedLive("closing the tab (its WebSocket) tears the RTSP session down within a few seconds", () =>
    Effect.gen(function* () {
      const player = yield* startPlayer()
      const id = newPageId()
      const viewer = yield* openViewer(player.url, id)
      yield* post(player.url, id, "setup", { url: server.url(), transport: "tcp" })
      yield* post(player.url, id, "play")
      expect(yield* waitUntil(() => viewer.frames.length >= 3, 5000)).toBe(true)
      expect(rtspSessions()).toBe(1)
      const closedAt = performance.now()
      yield* viewer.close
      expect(yield* waitUntil(() => rtspSessions() === 0, 5000)).toBe(true)
      expect(performance.now() - closedAt).toBeLessThan(5000)
      expect(yield* waitUntil(() => player.pageSessions() === 0, 2000)).toBe(true)
      const late = yield* post(player.url, id, "play")
      expect(late.code).toBe(404)
      expect(late.error).toContain("reload the page")
    }))

  it.scopedLive("the pagehide beacon (POST close) tears down at once; another tab's session is left alone", () =>
    Effect.gen(function* () {
      const player = yield* startPlayer()
      const [a, b] = [newPageId(), newPageId()]
      const viewerA = yield* openViewer(player.url, a)
      const viewerB = yield* openViewer(player.url, b)
      yield* post(player.url, a, "setup", { url: server.url() })
      yield* post(player.url, b, "setup", { url: server.url(), transport: "tcp" })
      yield* post(player.url, b, "play")
      expect(rtspSessions()).toBe(2)
      const beacon = yield* post(player.url, a, "close")
      expect(beacon.code).toBe(204)
      expect(yield* waitUntil(() => rtspSessions() === 1, 2000)).toBe(true)
      expect(player.pageSessions()).toBe(1)
      const before = viewerB.frames.length
      expect(yield* waitUntil(() => viewerB.frames.length > before + 3, 3000)).toBe(true)
      expect(viewerA.frames).toHaveLength(0)
      yield* post(player.url, b, "teardown")
    }))

  it.scopedLive("errors in words, the state back to INIT: bad URL, connection refused, 404; then a good Setup works", () =>
    Effect.gen(function* () {
      const player = yield* startPlayer()
      const id = newPageId()
      yield* openViewer(player.url, id)

      const notRtsp = yield* post(player.url, id, "setup", { url: "http://127.0.0.1/movie.Mjpeg" })
      expect(notRtsp.code).toBe(400)
      expect(notRtsp.error).toContain("not an rtsp:// URL")
      expect(notRtsp.status).toMatchObject({ state: "init", allowed: ["setup"], busy: false, error: notRtsp.error })

      const noPath = yield* post(player.url, id, "setup", { url: "rtsp://127.0.0.1:8554" })
      expect(noPath.error).toContain("has no path")

      const port = yield* refusedPort()
      const refused = yield* post(player.url, id, "setup", { url: `rtsp://127.0.0.1:${port}/movie.Mjpeg` })
      expect(refused.code).toBe(502)
      expect(refused.error).toMatch(/^Connection refused/)
      expect(refused.status).toMatchObject({ state: "init", allowed: ["setup"] })

      const notFound = yield* post(player.url, id, "setup", { url: server.url("no-such-movie.Mjpeg") })
      expect(notFound.code).toBe(502)
      expect(notFound.error).toContain("404")
      expect(notFound.error).toContain("no such stream")
      expect(notFound.status).toMatchObject({ state: "init", allowed: ["setup"] })
      expect(notFound.status?.lastResponse).toMatch(/^RTSP\/1\.0 404 /)

      const wrongState = yield* post(player.url, id, "play")
      expect(wrongState.code).toBe(409)
      expect(wrongState.error).toBe("PLAY is not possible in INIT")

      const badBody = yield* post(player.url, id, "setup", { url: server.url(), transport: "carrier-pigeon" })
      expect(badBody.code).toBe(400)

      const good = yield* post(player.url, id, "setup", { url: server.url() })
      expect(good.code).toBe(200)
      expect(good.status?.state).toBe("ready")
      expect(good.status?.error).toBeUndefined()
      yield* post(player.url, id, "teardown")
      expect(rtspSessions()).toBe(0)
    }))

  it.scopedLive("another site cannot drive it: Setup wants JSON, a foreign Origin gets no WebSocket", () =>
    Effect.gen(function* () {
      const player = yield* startPlayer()
      const id = newPageId()
      const form = yield* Effect.promise(() =>
        fetch(`${player.url}api/sessions/${id}/setup`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ url: server.url() }) })
      )
      expect(form.status).toBe(415)
      // The Origin is checked before the upgrade, so a plain GET shows the answer.
      const foreign = yield* Effect.promise(() => fetch(`${player.url}api/sessions/${id}/ws`, { headers: { origin: "http://elsewhere.example" } }))
      expect(foreign.status).toBe(403)
      const notWebSocket = yield* Effect.promise(() => fetch(`${player.url}api/sessions/${id}/ws`, { headers: { origin: player.url.replace(/\/$/, "") } }))
      expect(notWebSocket.status).toBe(426)
      expect(player.pageSessions()).toBe(0)
      expect(rtspSessions()).toBe(0)
    }))

  it.scopedLive("bounded: past the cap a tab is told why; a page session nobody watches is reaped", () =>
    Effect.gen(function* () {
      const player = yield* startPlayer({ maxSessions: 1 })
      const first = newPageId()
      yield* openViewer(player.url, first)
      const refusedViewer = yield* openViewer(player.url, newPageId())
      expect(refusedViewer.errors[0]).toContain("too many page sessions (1)")
      const refusedSetup = yield* post(player.url, newPageId(), "setup", { url: server.url() })
      expect(refusedSetup.code).toBe(503)
      expect(player.pageSessions()).toBe(1)
    }))

  it.scopedLive("a Setup with no viewer (no tab) is reaped and its RTSP session torn down", () =>
    Effect.gen(function* () {
      const player = yield* startPlayer()
      const setup = yield* post(player.url, newPageId(), "setup", { url: server.url() })
      expect(setup.status?.state).toBe("ready")
      expect(rtspSessions()).toBe(1)
      expect(yield* waitUntil(() => rtspSessions() === 0 && player.pageSessions() === 0, 5000)).toBe(true)
    }))

  it.live("shutdown (the layer's Scope closes) tears down every tab's RTSP session", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const player = yield* startPlayer().pipe(Scope.extend(scope))
      const id = newPageId()
      yield* openViewer(player.url, id).pipe(Scope.extend(scope))
      yield* post(player.url, id, "setup", { url: server.url(), transport: "tcp" })
      yield* post(player.url, id, "play")
      expect(rtspSessions()).toBe(1)
      yield* Scope.close(scope, Exit.void)
      expect(yield* waitUntil(() => rtspSessions() === 0, 3000)).toBe(true)
      const after = yield* Effect.promise(() => fetch(player.url).then(() => "answered", () => "refused"))
      expect(after).toBe("refused")
    }))
})
