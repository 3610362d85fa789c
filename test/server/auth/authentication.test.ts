/**
 * The server's door over real sockets: what a 401 offers, which answers open it, and each way an
 * answer is refused (counted by reason on /metrics), with the raw client so every header is seen.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import fc from "fast-check"
import { getHeader, type RtspResponse } from "../../../src/protocol/rtsp/message.js"
import { connectClient, sleep, type TestRtspClient } from "../../support/rtspTestClient.js"
import { startTestServer, type TestServer } from "../../support/testServer.js"
import { writeUsersFile } from "../../support/usersFile.js"
import { requestWithBody } from "../../support/testPublisher.js"
import { JPEG_SDP } from "../../support/rtpJpegSource.js"
import type { UsersFile } from "../../../src/server/auth/accessFile.js"
import { basicHeader, challengesOf, digestChallenge, digestHeader } from "./authKit.js"

const mediaRoot = mkdtempSync(join(tmpdir(), "effect-rtsp-auth-media-"))
mkdirSync(join(mediaRoot, "open"))
copyFileSync("video/movie.Mjpeg", join(mediaRoot, "movie.Mjpeg"))
copyFileSync("video/movie.Mjpeg", join(mediaRoot, "open", "movie.Mjpeg"))

const USERS = {
  alice: { password: "wonderland", groups: ["viewers"] },
  bob: { password: "builder" },
  pub: { password: "press", groups: ["cameras"] }
}
const RULES: UsersFile["rules"] = [
  { paths: ["movie.Mjpeg"], groups: ["viewers"], allow: ["read"] },
  { paths: ["open/**"], anonymous: true, allow: ["read"] },
  { paths: ["live/*"], groups: ["cameras"], allow: ["read", "publish"] }
]

const NO_BACKOFF = { freeFailures: 1_000_000, baseMillis: 1, maxMillis: 1 }
let usersFile: string
let server: TestServer
const clients: Array<TestRtspClient> = []

const connect = async (target: TestServer = server, localAddress?: string): Promise<TestRtspClient> => {
  const client = await connectClient(target.info.port, localAddress)
  clients.push(client)
  return client
}

beforeAll(async () => {
  usersFile = await writeUsersFile(USERS, RULES)
  // Every test here comes from 127.0.0.1: the throttle (authBruteForce.test.ts) is kept out of the way.
  server = await startTestServer({ mediaRoot, usersFile, publish: true, authBackoff: NO_BACKOFF })
})
afterAll(async () => {
  for (const client of clients) client.close()
  await server.close()
})

const failures = (target: TestServer = server): Readonly<Record<string, number>> => target.metrics.snapshot().guards.authFailures

/** DESCRIBE once without credentials, then with the answer `answer` computes from that 401. */
const describeWith = async (client: TestRtspClient, url: string, answer: (challenge: RtspResponse) => string): Promise<RtspResponse> => {
  const first = await client.request("DESCRIBE", url)
  expect(first.statusCode).toBe(401)
  return client.request("DESCRIBE", url, { Authorization: answer(first) })
}

describe("the 401", () => {
  it("offers Digest SHA-256, then Digest MD5, both qop=auth, and no Basic on plain RTSP; OPTIONS needs nothing", async () => {
    const client = await connect()
    expect((await client.request("OPTIONS", server.url())).statusCode).toBe(200)
    const reply = await client.request("DESCRIBE", server.url())
    expect(reply.statusCode).toBe(401)
    const offered = challengesOf(reply)
    expect(offered).toHaveLength(2)
    expect(offered[0]).toMatch(/^Digest realm="effect-rtsp", nonce="[A-Za-z0-9_-]{44}", algorithm=SHA-256, qop="auth"$/)
    expect(offered[1]).toMatch(/^Digest realm="effect-rtsp", nonce="[A-Za-z0-9_-]{44}", algorithm=MD5, qop="auth"$/)
  })

  it("is not asked of an open path, nor of the classic dialect there", async () => {
    const client = await connect()
    expect((await client.request("DESCRIBE", server.url("open/movie.Mjpeg"))).statusCode).toBe(200)
    const classic = await connect()
    classic.send("SETUP open/movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 25000")
    expect((await classic.nextResponse()).statusCode).toBe(200)
  })

  it("is a 403 for the classic dialect where a login is needed (its client cannot log in)", async () => {
    const classic = await connect()
    classic.send("SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 25000")
    expect((await classic.nextResponse()).statusCode).toBe(403)
    expect(classic.raw().toString("latin1")).toMatch(/^RTSP\/1\.0 403 Forbidden\r?\nCSeq: 1\r?\nSession: 0/)
    expect(failures().classic).toBeGreaterThanOrEqual(1)
  })
})

describe("answers that open the door", () => {
  it.each(["SHA-256", "MD5"] as const)("Digest %s with qop=auth, then SETUP and PLAY with the next nonce count, and frames arrive", async (algorithm) => {
    const client = await connect()
    const url = server.url()
    const first = await client.request("DESCRIBE", url)
    const challenge = digestChallenge(first, algorithm)
    const answer = (method: string, uri: string, nc: number) => digestHeader({ challenge, username: "alice", password: "wonderland", method, uri, nc })
    const described = await client.request("DESCRIBE", url, { Authorization: answer("DESCRIBE", url, 1) })
    expect(described.statusCode).toBe(200)
    const track = `${url}/streamid=0`
    const setup = await client.request("SETUP", track, { Authorization: answer("SETUP", track, 2), Transport: "RTP/AVP/TCP;unicast;interleaved=0-1" })
    expect(setup.statusCode).toBe(200)
    const session = (getHeader(setup.headers, "Session") ?? "").split(";")[0] ?? ""
    expect((await client.request("PLAY", url, { Session: session })).statusCode).toBe(200)
    const deadline = Date.now() + 5000
    while (client.interleaved.length < 10 && Date.now() < deadline) await sleep(20)
    expect(client.interleaved.length).toBeGreaterThanOrEqual(10)
    expect((await client.request("TEARDOWN", url, { Session: session })).statusCode).toBe(200)
  })

  it("Digest in RFC 2069's form, without qop (what GStreamer sends)", async () => {
    const client = await connect()
    const url = server.url()
    const reply = await describeWith(client, url, (first) =>
      digestHeader({ challenge: digestChallenge(first, "MD5"), username: "alice", password: "wonderland", method: "DESCRIBE", uri: url, withoutQop: true }))
    expect(reply.statusCode).toBe(200)
  })

  it("a publisher's rights: ANNOUNCE by a user of the cameras group passes, a reader's is 403", async () => {
    const url = server.url("live/cam1")
    const announceAs = async (username: string, password: string): Promise<RtspResponse> => {
      const client = await connect()
      const first = await requestWithBody(client, "ANNOUNCE", url, "application/sdp", JPEG_SDP)
      expect(first.statusCode).toBe(401)
      const authorization = digestHeader({ challenge: digestChallenge(first, "SHA-256"), username, password, method: "ANNOUNCE", uri: url })
      const body = Buffer.from(JPEG_SDP)
      client.send(`ANNOUNCE ${url} RTSP/1.0\r\nCSeq: 9\r\nAuthorization: ${authorization}\r\nContent-Type: application/sdp\r\nContent-Length: ${body.length}\r\n\r\n${JPEG_SDP}`)
      return client.nextResponse()
    }
    expect((await announceAs("alice", "wonderland")).statusCode).toBe(403)
    expect((await announceAs("pub", "press")).statusCode).toBe(200)
  })
})

describe("answers that are refused, each counted by its reason", () => {
  const refusedFor = async (reason: string, answer: (first: RtspResponse, url: string) => string, url = server.url()): Promise<void> => {
    const before = failures()[reason] ?? 0
    const client = await connect()
    const reply = await describeWith(client, url, (first) => answer(first, url))
    expect(reply.statusCode).toBe(401)
    // A refusal comes with fresh challenges to try again.
    expect(challengesOf(reply)).toHaveLength(2)
    expect(failures()[reason]).toBe(before + 1)
  }
  const alice = (first: RtspResponse, url: string, overrides: Partial<Parameters<typeof digestHeader>[0]> = {}) =>
    digestHeader({ challenge: digestChallenge(first, "SHA-256"), username: "alice", password: "wonderland", method: "DESCRIBE", uri: url, ...overrides })

  it("a wrong password", () => refusedFor("bad-password", (first, url) => alice(first, url, { password: "Wonderland" })))
  it("an unknown user", () => refusedFor("unknown-user", (first, url) => alice(first, url, { username: "mallory" })))
  it("a wrong realm", () => refusedFor("wrong-realm", (first, url) => alice(first, url, { challenge: { ...digestChallenge(first, "SHA-256"), realm: "other" } })))
  it("a digest for another uri", () => refusedFor("wrong-uri", (first, url) => alice(first, url, { uri: server.url("open/movie.Mjpeg") })))
  it("a nonce the server never issued", () =>
    refusedFor("bad-nonce", (first, url) => alice(first, url, { challenge: { ...digestChallenge(first, "SHA-256"), nonce: "A".repeat(44) } })))
  it("an algorithm it does not compute", () =>
    refusedFor("bad-algorithm", (first, url) => alice(first, url).replace("algorithm=SHA-256", "algorithm=SHA-512-256")))
  it("Basic on plain RTSP, even with the right password", () => refusedFor("basic-cleartext", () => basicHeader("alice", "wonderland")))
  it("a header that does not parse", () => refusedFor("malformed", () => "Digest username=alice"))

  it("a replayed request: the same Authorization, nonce count and all, a second time", async () => {
    const before = failures().replay ?? 0
    const client = await connect()
    const url = server.url()
    const first = await client.request("DESCRIBE", url)
    const authorization = alice(first, url, { nc: 1 })
    expect((await client.request("DESCRIBE", url, { Authorization: authorization })).statusCode).toBe(200)
    // From another connection too: a captured header is worth nothing.
    const other = await connect()
    expect((await other.request("DESCRIBE", url, { Authorization: authorization })).statusCode).toBe(401)
    expect((await client.request("DESCRIBE", url, { Authorization: authorization })).statusCode).toBe(401)
    expect(failures().replay).toBe(before + 2)
  })

  it("a user whose credentials are good but whom no rule lets read the path: 403", async () => {
    const client = await connect()
    const url = server.url()
    const reply = await describeWith(client, url, (first) => digestHeader({ challenge: digestChallenge(first, "MD5"), username: "bob", password: "builder", method: "DESCRIBE", uri: url }))
    expect(reply.statusCode).toBe(403)
    expect(failures().forbidden).toBeGreaterThanOrEqual(1)
  })

  it("arbitrary Authorization headers, seeded from good ones, get 401 and harm nothing", async () => {
    const client = await connect()
    const url = server.url()
    const first = await client.request("DESCRIBE", url)
    const good = [alice(first, url), alice(first, url, { challenge: digestChallenge(first, "MD5") }), basicHeader("alice", "wonderland")]
    const mutated = fc.tuple(fc.constantFrom(...good), fc.nat(), fc.string({ maxLength: 8 })).map(([text, at, insert]) => {
      const i = at % (text.length + 1)
      return (text.slice(0, i) + insert + text.slice(i + insert.length)).replace(/[\r\n]/g, " ")
    })
    const samples = fc.sample(fc.oneof(mutated, fc.string({ maxLength: 60 }).map((t) => t.replace(/[\r\n]/g, " "))), { numRuns: 150, seed: 2026 })
    const letIn: Array<string> = []
    for (const header of samples) {
      // An empty or unparseable header is refused like a wrong one: 401. Only a mutation that left a
      // good header as it was may open, and only once (its nonce count is then used).
      const status = (await client.request("DESCRIBE", url, { Authorization: header })).statusCode
      if (status !== 401) letIn.push(`${status} ${header}`)
    }
    expect(letIn.every((line) => line.startsWith("200 ") && good.includes(line.slice(4)))).toBe(true)
    expect(new Set(letIn).size).toBe(letIn.length)
    const again = await client.request("DESCRIBE", url)
    expect(again.statusCode).toBe(401)
    expect((await client.request("DESCRIBE", url, { Authorization: alice(again, url) })).statusCode).toBe(200)
  })
})

describe("stale nonces and Basic where it is allowed", () => {
  it("an old nonce with a right answer is 401 stale=TRUE, and the fresh nonce then works", async () => {
    const quick = await startTestServer({ mediaRoot, usersFile, nonceLifetimeSeconds: 1, authBackoff: NO_BACKOFF })
    try {
      const client = await connect(quick)
      const url = quick.url()
      const first = await client.request("DESCRIBE", url)
      // Real time: the nonce's age is the point.
      await sleep(1300)
      const stale = await client.request("DESCRIBE", url, { Authorization: digestHeader({ challenge: digestChallenge(first, "SHA-256"), username: "alice", password: "wonderland", method: "DESCRIBE", uri: url }) })
      expect(stale.statusCode).toBe(401)
      expect(challengesOf(stale).every((c) => c.endsWith("stale=TRUE"))).toBe(true)
      expect(failures(quick)["stale-nonce"]).toBe(1)
      const fresh = await client.request("DESCRIBE", url, { Authorization: digestHeader({ challenge: digestChallenge(stale, "SHA-256"), username: "alice", password: "wonderland", method: "DESCRIBE", uri: url }) })
      expect(fresh.statusCode).toBe(200)
    } finally {
      await quick.close()
    }
  })

  it("with allowBasicCleartext Basic is offered last and a right password opens", async () => {
    const open = await startTestServer({ mediaRoot, usersFile, allowBasicCleartext: true, authBackoff: NO_BACKOFF })
    try {
      const client = await connect(open)
      const url = open.url()
      const first = await client.request("DESCRIBE", url)
      expect(challengesOf(first)).toHaveLength(3)
      expect(challengesOf(first)[2]).toBe('Basic realm="effect-rtsp"')
      expect((await client.request("DESCRIBE", url, { Authorization: basicHeader("alice", "wonderland") })).statusCode).toBe(200)
      expect((await client.request("DESCRIBE", url, { Authorization: basicHeader("alice", "nope") })).statusCode).toBe(401)
      expect(failures(open)["bad-password"]).toBe(1)
    } finally {
      await open.close()
    }
  })

  it("a bad users file stops the start, naming the file and the place in it", async () => {
    const bad = join(mkdtempSync(join(tmpdir(), "effect-rtsp-bad-users-")), "users.json")
    const { writeFileSync } = await import("node:fs")
    writeFileSync(bad, JSON.stringify({ realm: "r", users: { alice: { basic: "md5$x" } }, rules: [{ paths: [], allow: ["watch"] }] }))
    await expect(startTestServer({ mediaRoot, usersFile: bad })).rejects.toThrow(/users file .*users\.json: users\.alice\.basic: expected a scrypt hash.*rules\.0\.paths.*rules\.0\.allow\.0/)
  })
})
