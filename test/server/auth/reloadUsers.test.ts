/**
 * Reloading the users file: a revoked permission ends the sessions it let in at once (the others
 * play on), a new user is let in without a restart, and a bad file is logged and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import type { UsersFile } from "../../../src/server/auth/accessFile.js"
import { connectClient, sleep, type TestRtspClient } from "../../support/rtspTestClient.js"
import { startTestServer, type TestServer } from "../../support/testServer.js"
import { writeUsersFile } from "../../support/usersFile.js"
import { digestChallenge, digestHeader } from "./authKit.js"

let server: TestServer
let usersFile: string
const logged: Array<string> = []
const clients: Array<TestRtspClient> = []

beforeAll(async () => {
  usersFile = await writeUsersFile({ alice: { password: "a-pass" }, bob: { password: "b-pass" } }, [
    { paths: ["movie.Mjpeg"], users: ["alice", "bob"], allow: ["read"] }
  ])
  server = await startTestServer({ usersFile, loop: true }, (line) => logged.push(line))
})
afterAll(async () => {
  for (const client of clients) client.close()
  await server.close()
})

/** Logs in as `user`, sets up over TCP and plays; the session id. */
const playAs = async (user: string, password: string): Promise<{ client: TestRtspClient; session: string }> => {
  const client = await connectClient(server.info.port)
  clients.push(client)
  const url = server.url()
  const track = `${url}/streamid=0`
  const first = await client.request("SETUP", track, { Transport: "RTP/AVP/TCP;unicast;interleaved=0-1" })
  expect(first.statusCode).toBe(401)
  const setup = await client.request("SETUP", track, {
    Transport: "RTP/AVP/TCP;unicast;interleaved=0-1",
    Authorization: digestHeader({ challenge: digestChallenge(first, "SHA-256"), username: user, password, method: "SETUP", uri: track })
  })
  expect(setup.statusCode).toBe(200)
  const session = (setup.headers.find(([name]) => name.toLowerCase() === "session")?.[1] ?? "").split(";")[0] ?? ""
  expect((await client.request("PLAY", url, { Session: session })).statusCode).toBe(200)
  return { client, session }
}

describe("reloading the users file", () => {
  it("ends the sessions of a revoked user at once, keeps the others, and keeps the old file when the new one is bad", async () => {
    const alice = await playAs("alice", "a-pass")
    const bob = await playAs("bob", "b-pass")

    const original = readFileSync(usersFile, "utf8")
    writeFileSync(usersFile, "{ not json")
    await Effect.runPromise(server.info.reloadUsers)
    expect(logged.filter((line) => line.includes("not reloaded"))).toEqual([expect.stringMatching(/^ERROR users file not reloaded, the one in force is kept: users file .*users.json: /)])
    expect(server.info.sessions()).toHaveLength(2)

    // Bob keeps his rule, alice loses hers, and carol is new: hashes made as `users add` makes them.
    const next = JSON.parse(readFileSync(await writeUsersFile({ carol: { password: "c-pass" } }, []), "utf8")) as UsersFile
    const changed = JSON.parse(original) as UsersFile
    writeFileSync(usersFile, JSON.stringify({ ...changed, users: { ...changed.users, ...next.users }, rules: [{ paths: ["movie.Mjpeg"], users: ["bob", "carol"], allow: ["read"] }] }))
    await Effect.runPromise(server.info.reloadUsers)
    expect(server.info.sessions().map((s) => s.id)).toEqual([bob.session])
    expect(server.metrics.snapshot().sessionsEnded["permission revoked"]).toBe(1)
    expect(logged.some((line) => line.includes(`session ended: "alice" may no longer read movie.Mjpeg`))).toBe(true)
    expect(logged.some((line) => line.includes("users file reloaded: 3 users, 1 rules; 1 session ended (permission revoked)"))).toBe(true)
    // Alice's client learns it on its next request; Bob's frames keep coming; carol is let in.
    expect((await alice.client.request("GET_PARAMETER", server.url(), { Session: alice.session })).statusCode).toBe(454)
    const carol = await playAs("carol", "c-pass")
    expect(server.info.sessions().map((s) => s.id).sort()).toEqual([bob.session, carol.session].sort())
    const before = bob.client.interleaved.length
    await sleep(300)
    expect(bob.client.interleaved.length).toBeGreaterThan(before)
  })
})
