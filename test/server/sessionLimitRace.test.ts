/**
 * --max-sessions and the per-address session cap hold exactly under concurrent SETUPs, on every
 * path that admits a session: a file over unicast UDP, members of a live channel's multicast
 * group, viewers of a published path, and all of them at once. Each SETUP comes on its own
 * connection, all sent before the first is answered; exactly the limit get 200, the rest the
 * limit's refusal (453 server-wide, 503 with Retry-After per address), and the server then holds
 * exactly the limit's sessions. Multicast members are set up, never played: a group's packets must
 * not leave this host (test/interop/multicast.test.ts plays them in a network namespace).
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, describe, expect, it } from "@effect/vitest"
import { getHeader, type RtspResponse } from "../../src/protocol/rtsp/message.js"
import { REFUSAL_STATUS } from "../../src/server/refusals.js"
import { connectClient, type TestRtspClient } from "../support/rtspTestClient.js"
import { announcePath, type TestPublisher } from "../support/testPublisher.js"
import { startTestServer, type TestServer } from "../support/testServer.js"
import type { ServerConfig } from "../../src/server/config.js"

const media = mkdtempSync(join(tmpdir(), "session-race-"))
copyFileSync("video/movie.Mjpeg", join(media, "movie.Mjpeg"))
copyFileSync("video/movie.Mjpeg", join(media, "live.Mjpeg"))
afterAll(() => rmSync(media, { recursive: true, force: true }))

const PUBLISHED = "cam/race"
const UDP = "RTP/AVP;unicast;client_port=50000-50001"
const MULTICAST = "RTP/AVP;multicast"

type Kind = "file" | "member" | "viewer"
const REQUESTS: Record<Kind, { readonly path: string; readonly transport: string }> = {
  file: { path: "movie.Mjpeg/streamid=0", transport: UDP },
  member: { path: "live.Mjpeg/streamid=0", transport: MULTICAST },
  viewer: { path: `${PUBLISHED}/streamid=0`, transport: UDP }
}

let server: TestServer | undefined
let publisher: TestPublisher | undefined
const opened: Array<TestRtspClient> = []

afterEach(async () => {
  for (const client of opened.splice(0)) client.close()
  publisher?.client.close()
  publisher = undefined
  await server?.close()
  server = undefined
})

/** A server serving a file, a live channel with multicast, and a published path with its publisher recording (one session). */
const start = async (overrides: Partial<ServerConfig>): Promise<TestServer> => {
  const started = await startTestServer({ mediaRoot: media, live: ["live.Mjpeg"], publish: true, ...overrides })
  server = started
  publisher = await announcePath(started.info.port, PUBLISHED)
  expect(publisher.announced.statusCode).toBe(200)
  expect((await publisher.record()).statusCode).toBe(200)
  return started
}

/** Every connection opened first, then every SETUP sent in one go: the server sees them all before answering one. */
const storm = async (target: TestServer, kinds: ReadonlyArray<Kind>, from?: string): Promise<ReadonlyArray<RtspResponse>> => {
  const clients = await Promise.all(kinds.map(() => connectClient(target.info.port, from)))
  opened.push(...clients)
  return Promise.all(clients.map((client, i) => {
    const request = REQUESTS[kinds[i]!]
    return client.request("SETUP", target.url(request.path), { Transport: request.transport })
  }))
}

const countBy = (replies: ReadonlyArray<RtspResponse>): Record<number, number> =>
  replies.reduce<Record<number, number>>((counts, r) => ({ ...counts, [r.statusCode]: (counts[r.statusCode] ?? 0) + 1 }), {})

const mixed = (n: number): ReadonlyArray<Kind> => Array.from({ length: n }, (_, i): Kind => (["file", "member", "viewer"] as const)[i % 3]!)

const FULL = REFUSAL_STATUS.SessionLimitReached

describe("--max-sessions under concurrent SETUPs", () => {
  // The publisher holds one session: a limit of 41 leaves 40 for the storm.
  for (const kind of ["file", "member", "viewer"] as const) {
    it(`${kind}: 240 SETUPs against 40 free slots, exactly 40 get 200 and 200 get ${FULL}`, async () => {
      const target = await start({ maxSessions: 41 })
      const replies = await storm(target, Array.from({ length: 240 }, () => kind))
      expect(countBy(replies)).toEqual({ 200: 40, [FULL]: 200 })
      expect(target.info.sessions()).toHaveLength(41)
    })
  }

  it(`all three paths at once: 300 SETUPs, exactly 40 get 200, the rest ${FULL}; freed slots are taken again`, async () => {
    const target = await start({ maxSessions: 41 })
    const replies = await storm(target, mixed(300))
    expect(countBy(replies)).toEqual({ 200: 40, [FULL]: 260 })
    expect(target.info.sessions()).toHaveLength(41)
    // Ten admitted clients leave; a second storm gets exactly their ten slots.
    const admitted = opened.filter((_, i) => replies[i]!.statusCode === 200).slice(0, 10)
    for (const client of admitted) client.close()
    const deadline = performance.now() + 5000
    while (target.info.sessions().length > 31 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(target.info.sessions()).toHaveLength(31)
    expect(countBy(await storm(target, mixed(90)))).toEqual({ 200: 10, [FULL]: 80 })
    expect(target.info.sessions()).toHaveLength(41)
  })
})

describe("the per-address session cap under concurrent SETUPs", () => {
  it("120 SETUPs from one address over all three paths: exactly 12 get 200, the rest 503 with Retry-After; another address is served", async () => {
    // Connections and requests uncapped here: every 503 is the session cap's.
    const target = await start({ maxSessionsPerAddress: 12, maxConnectionsPerAddress: 1000, maxRequestsPerSecond: 1000, limitsExempt: [] })
    const replies = await storm(target, mixed(120), "127.0.0.2")
    expect(countBy(replies)).toEqual({ 200: 12, 503: 108 })
    expect(getHeader(replies.find((r) => r.statusCode === 503)!.headers, "Retry-After")).toMatch(/^\d+$/)
    expect(target.metrics.snapshot().guards.limitRefusals["sessions-per-address"]).toBe(108)
    // The publisher (127.0.0.1) and the twelve: 13 sessions; 127.0.0.3 has a cap of its own.
    expect(target.info.sessions()).toHaveLength(13)
    expect(countBy(await storm(target, mixed(3), "127.0.0.3"))).toEqual({ 200: 3 })
  })
})
