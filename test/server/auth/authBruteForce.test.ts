/**
 * 1,000 wrong passwords from one address (127.0.0.2, over 10 connections) while another
 * address (127.0.0.1) plays: the player loses nothing, the attacker's attempts are spaced by the
 * backoff (they take at least the sum of its waits, however many connections), and the log names
 * the attacking address.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { playSession } from "../../support/playingSessions.js"
import { connectClient, type TestRtspClient } from "../../support/rtspTestClient.js"
import { startTestServer, type TestServer } from "../../support/testServer.js"
import { writeUsersFile } from "../../support/usersFile.js"
import { digestChallenge, digestHeader } from "./authKit.js"

const ATTEMPTS = 1000
const CONNECTIONS = 10
const BACKOFF = { freeFailures: 5, baseMillis: 1, maxMillis: 4 }

const mediaRoot = mkdtempSync(join(tmpdir(), "effect-rtsp-brute-media-"))
mkdirSync(join(mediaRoot, "open"))
copyFileSync("video/movie.Mjpeg", join(mediaRoot, "movie.Mjpeg"))
copyFileSync("video/movie.Mjpeg", join(mediaRoot, "open", "movie.Mjpeg"))

let server: TestServer
const logged: Array<string> = []

beforeAll(async () => {
  const usersFile = await writeUsersFile({ alice: { password: "correct horse" } }, [
    { paths: ["movie.Mjpeg"], users: ["alice"], allow: ["read"] },
    { paths: ["open/**"], anonymous: true, allow: ["read"] }
  ])
  server = await startTestServer({ mediaRoot, usersFile, authBackoff: BACKOFF, loop: true }, (line) => logged.push(line))
})
afterAll(() => server.close())

/** One connection's share of the attack: each wrong answer is computed to the previous 401's nonce. */
const guessFrom = async (client: TestRtspClient, url: string, count: number, statuses: Array<number>): Promise<void> => {
  let last = await client.request("DESCRIBE", url)
  for (let i = 0; i < count; i++) {
    const authorization = digestHeader({ challenge: digestChallenge(last, "SHA-256"), username: "alice", password: `guess-${i}`, method: "DESCRIBE", uri: url })
    last = await client.request("DESCRIBE", url, { Authorization: authorization })
    statuses.push(last.statusCode)
  }
}

describe("a brute-force attack from one address", () => {
  it("slows to the backoff, is logged by address, and costs a player elsewhere nothing", async () => {
    const player = await playSession(server.info.port, "open/movie.Mjpeg", { transport: "tcp", keepPackets: true })
    const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => connectClient(server.info.port, "127.0.0.2")))
    const statuses: Array<number> = []
    const started = performance.now()
    try {
      await Promise.all(clients.map((client) => guessFrom(client, server.url(), ATTEMPTS / CONNECTIONS, statuses)))
    } finally {
      for (const client of clients) client.close()
    }
    const attackMillis = performance.now() - started
    const packets = [...player.packets]
    await player.teardown()

    expect(statuses).toHaveLength(ATTEMPTS)
    expect(statuses.every((status) => status === 401)).toBe(true)
    expect(server.metrics.snapshot().guards.authFailures["bad-password"]).toBe(ATTEMPTS)
    // Turns are reserved one after another per address: after the free failures each waits 1, 2,
    // then 4 ms (the ceiling), so the attack cannot be quicker than the sum of those waits.
    const waits = Array.from({ length: ATTEMPTS - BACKOFF.freeFailures }, (_, i) => Math.min(BACKOFF.maxMillis, BACKOFF.baseMillis * 2 ** i))
    const minimumMillis = waits.reduce((sum, wait) => sum + wait, 0) - BACKOFF.maxMillis
    expect(attackMillis).toBeGreaterThanOrEqual(minimumMillis)
    expect(logged.some((line) => line.includes("auth: 127.0.0.2 failed 5 times") && line.includes("peer=127.0.0.2"))).toBe(true)
    expect(logged.filter((line) => line.includes("credentials refused (bad-password)") && line.includes("peer=127.0.0.2:")).length).toBe(ATTEMPTS)

    // The player: every packet in order, none lost, frames kept coming through the attack.
    const sequences = packets.map((p) => p.seq)
    const gaps = sequences.slice(1).filter((seq, i) => seq !== ((sequences[i]! + 1) & 0xffff))
    expect(gaps).toEqual([])
    const frameTimes = packets.filter((p) => p.marker).map((p) => p.at)
    const frameGaps = frameTimes.slice(1).map((t, i) => t - frameTimes[i]!)
    const maxGap = Math.max(...frameGaps)
    console.log(`brute force: ${ATTEMPTS} attempts in ${attackMillis.toFixed(0)} ms (at least ${minimumMillis} ms by the backoff); the player got ${frameTimes.length} frames, largest gap ${maxGap.toFixed(1)} ms`)
    expect(frameTimes.length).toBeGreaterThanOrEqual(Math.floor((attackMillis / 1000) * 20 * 0.5))
  })
})
