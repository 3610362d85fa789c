/**
 * RTSPS: the server's TLS listener beside the plain one. Over TLS a session plays with RTP
 * interleaved in the TLS connection, a UDP SETUP is 461 (200 with allowUdpWithTls), Basic is
 * offered, a certificate reload reaches new connections only, and plain RTSP sent to the TLS port
 * is a failed handshake, counted and logged with the address, that harms no one else.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { connect as netConnect, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Option, Stream } from "effect"
import { connect, type RtspConnection } from "../../harness/client/RtspClient.js"
import { getHeaders } from "../../src/protocol/rtsp/message.js"
import { readUntilAsync, waitUntilAsync } from "../support/polling.js"
import { makeCertificate, peerFingerprint, type TestCertificate } from "../support/selfSignedCert.js"
import { startTestServer, type TestServer } from "../support/testServer.js"
import { openssl } from "../support/tools.js"
import { writeUsersFile } from "../support/usersFile.js"

const opensslTool = openssl()

/** Runs `use` with a harness connection to `url` (rtsps: certificate not verified), closed afterwards. */
const withClient = <A>(url: string, use: (conn: RtspConnection) => Effect.Effect<A, unknown>): Promise<A> =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(connect(url, { insecure: true, timeoutMs: 5000 }), use)))

/** The first `count` interleaved frames on `channel`, or fewer if they do not come within 5 s. */
const framesOn = (conn: RtspConnection, channel: number, count: number) =>
  conn.interleaved.pipe(
    Stream.filter((frame) => frame.channel === channel),
    Stream.take(count),
    Stream.runCollect,
    Effect.timeout(Duration.seconds(5)),
    Effect.map(Chunk.size),
    Effect.orElseSucceed(() => 0)
  )

const startError = (overrides: Parameters<typeof startTestServer>[0]): Promise<string> =>
  startTestServer(overrides).then(
    async (server) => {
      await server.close()
      return "started"
    },
    (error: unknown) => String(error)
  )

describe.skipIf(opensslTool.skip)("RTSPS (requires openssl)", () => {
  let cert: TestCertificate
  let server: TestServer
  const logged: Array<string> = []
  const rtsps = (path = "movie.Mjpeg") => `rtsps://127.0.0.1:${server.info.tlsPort}/${path}`

  beforeAll(async () => {
    cert = makeCertificate()
    server = await startTestServer({ tlsCert: cert.certFile, tlsKey: cert.keyFile, tlsPort: 0, loop: true }, (line) => logged.push(line))
  })
  afterAll(() => server?.close())

  it("plays over TLS: OPTIONS, DESCRIBE, SETUP interleaved, PLAY, and RTP arrives in the TLS connection", async () => {
    const result = await withClient(rtsps(), (conn) =>
      Effect.gen(function* () {
        const options = yield* conn.request("OPTIONS", rtsps())
        const described = yield* conn.describe(rtsps())
        const setup = yield* conn.setupTcp(described.trackUrl)
        yield* conn.play(rtsps())
        const frames = yield* framesOn(conn, setup.channels[0], 10)
        return { options: options.status, frames }
      }))
    expect(result).toEqual({ options: 200, frames: 10 })
    expect(server.metrics.snapshot().guards.tlsHandshakes.ok).toBeGreaterThanOrEqual(1)
  })

  it("answers a UDP SETUP over TLS 461 with the reason", async () => {
    const reply = await withClient(rtsps(), (conn) =>
      Effect.gen(function* () {
        const described = yield* conn.describe(rtsps())
        return yield* conn.request("SETUP", described.trackUrl, { Transport: "RTP/AVP;unicast;client_port=40000-40001" })
      }))
    expect(reply.status).toBe(461)
    expect(logged.some((line) => line.includes("RTP over UDP would leave the TLS connection unencrypted"))).toBe(true)
  })

  it("takes the interleaved entry of a Transport list that offers UDP first", async () => {
    const reply = await withClient(rtsps(), (conn) =>
      Effect.gen(function* () {
        const described = yield* conn.describe(rtsps())
        return yield* conn.request("SETUP", described.trackUrl, { Transport: "RTP/AVP;unicast;client_port=40000-40001,RTP/AVP/TCP;unicast" })
      }))
    expect(reply.status).toBe(200)
    expect(getHeaders(reply.headers, "Transport")).toEqual([expect.stringMatching(/^RTP\/AVP\/TCP;unicast;interleaved=\d+-\d+/)])
  })

  it("still serves plain RTSP on its own port beside the TLS one", async () => {
    const url = server.url()
    const status = await withClient(url, (conn) => Effect.map(conn.request("OPTIONS", url), (reply) => reply.status))
    expect(status).toBe(200)
    expect(server.info.tlsPort).not.toBe(server.info.port)
  })

  it("counts plain RTSP sent to the TLS port as a failed handshake, logs the address, and harms no one else", async () => {
    const failedBefore = server.metrics.snapshot().guards.tlsHandshakes.failed ?? 0
    const closed = await new Promise<boolean>((resolve) => {
      const socket = netConnect({ host: "127.0.0.1", port: server.info.tlsPort! })
      const timer = setTimeout(() => {
        socket.destroy()
        resolve(false)
      }, 5000)
      socket.on("connect", () => socket.write("OPTIONS rtsp://127.0.0.1/movie.Mjpeg RTSP/1.0\r\nCSeq: 1\r\n\r\n"))
      socket.on("error", () => undefined)
      socket.on("close", () => {
        clearTimeout(timer)
        resolve(true)
      })
    })
    expect(closed).toBe(true)
    expect(await waitUntilAsync(() => (server.metrics.snapshot().guards.tlsHandshakes.failed ?? 0) > failedBefore, 2000)).toBe(true)
    expect(logged.filter((line) => line.includes("TLS handshake failed"))).toEqual([expect.stringMatching(/TLS handshake failed: .* peer=127\.0\.0\.1:\d+/)])
    const status = await withClient(rtsps(), (conn) => Effect.map(conn.request("OPTIONS", rtsps()), (reply) => reply.status))
    expect(status).toBe(200)
  })

  it("a harness client that closes as soon as it connected leaves a completed handshake, not a failed one", async () => {
    const before = server.metrics.snapshot().guards.tlsHandshakes
    const count = 20
    for (let i = 0; i < count; i++) await withClient(rtsps(), () => Effect.void)
    expect(await waitUntilAsync(() => (server.metrics.snapshot().guards.tlsHandshakes.ok ?? 0) >= (before.ok ?? 0) + count, 5000)).toBe(true)
    expect(server.metrics.snapshot().guards.tlsHandshakes.failed ?? 0).toBe(before.failed ?? 0)
  })

  it("reloads the certificate: a new connection sees the new one, a session already playing goes on", async () => {
    const next = makeCertificate("rtsps-next")
    expect(await peerFingerprint(server.info.tlsPort!)).toBe(cert.fingerprint256)
    const frames = await withClient(rtsps(), (conn) =>
      Effect.gen(function* () {
        const described = yield* conn.describe(rtsps())
        const setup = yield* conn.setupTcp(described.trackUrl)
        yield* conn.play(rtsps())
        const before = yield* framesOn(conn, setup.channels[0], 3)
        copyFileSync(next.certFile, cert.certFile)
        copyFileSync(next.keyFile, cert.keyFile)
        yield* server.info.reloadTls
        const fingerprint = yield* Effect.promise(() => peerFingerprint(server.info.tlsPort!))
        const after = yield* framesOn(conn, setup.channels[0], 10)
        return { before, after, fingerprint }
      }))
    expect(frames).toEqual({ before: 3, after: 10, fingerprint: next.fingerprint256 })
    expect(logged.some((line) => line.includes(`TLS certificate reloaded: certificate CN=127.0.0.1`) && line.includes(next.fingerprint256))).toBe(true)
  })

  it("keeps the certificate in force when the reloaded files are bad, and logs no key material", async () => {
    const keyBody = readFileSync(cert.keyFile, "utf8").split("\n")[1]!
    const before = await peerFingerprint(server.info.tlsPort!)
    const good = readFileSync(cert.keyFile)
    writeFileSync(cert.keyFile, "-----BEGIN PRIVATE KEY-----\nS3CR3T-NOT-A-KEY\n-----END PRIVATE KEY-----\n")
    await Effect.runPromise(server.info.reloadTls)
    writeFileSync(cert.keyFile, good)
    expect(await peerFingerprint(server.info.tlsPort!)).toBe(before)
    expect(logged.some((line) => line.includes(`TLS certificate not reloaded, the one in force is kept: TLS key file ${cert.keyFile}`))).toBe(true)
    expect(logged.some((line) => line.includes("S3CR3T") || line.includes(keyBody))).toBe(false)
  })
})

describe.skipIf(opensslTool.skip)("RTSPS settings (requires openssl)", () => {
  it("gives a UDP SETUP over TLS 200 with allowUdpWithTls", async () => {
    const cert = makeCertificate()
    const server = await startTestServer({ tlsCert: cert.certFile, tlsKey: cert.keyFile, tlsPort: 0, allowUdpWithTls: true })
    try {
      const url = `rtsps://127.0.0.1:${server.info.tlsPort}/movie.Mjpeg`
      const status = await withClient(url, (conn) =>
        Effect.gen(function* () {
          const described = yield* conn.describe(url)
          return (yield* conn.request("SETUP", described.trackUrl, { Transport: "RTP/AVP;unicast;client_port=40000-40001" })).status
        }))
      expect(status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it("drops sockets past --max-connections before their handshake, counted and logged, and serves again once they close", async () => {
    const cert = makeCertificate()
    const logged: Array<string> = []
    const server = await startTestServer({ tlsCert: cert.certFile, tlsKey: cert.keyFile, tlsPort: 0, maxConnections: 3 }, (line) => logged.push(line))
    const silent = (): Promise<{ readonly socket: Socket; readonly closed: Promise<void> }> =>
      new Promise((resolve, reject) => {
        const socket = netConnect({ host: "127.0.0.1", port: server.info.tlsPort! })
        const closed = new Promise<void>((done) => socket.once("close", () => done()))
        socket.once("connect", () => resolve({ socket, closed }))
        socket.once("error", reject)
      })
    try {
      // Connected, and never a byte of a handshake.
      const held = [await silent(), await silent(), await silent()]
      const extra = await silent()
      const droppedInTime = await Promise.race([extra.closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000))])
      expect(droppedInTime).toBe(true)
      expect(server.metrics.snapshot().guards.limitRefusals.connections).toBeGreaterThanOrEqual(1)
      expect(logged.some((line) => /RTSPS connection dropped: the TLS port holds its limit of 3 connections .*peer=127\.0\.0\.1:\d+/.test(line))).toBe(true)
      for (const { socket } of held) socket.destroy()
      await Promise.all(held.map(({ closed }) => closed))
      const url = `rtsps://127.0.0.1:${server.info.tlsPort}/movie.Mjpeg`
      const status = await readUntilAsync(
        () => withClient(url, (conn) => Effect.map(conn.request("OPTIONS", url), (reply) => reply.status)).catch(() => 0),
        (value) => value === 200,
        5000
      )
      expect(status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it("offers Basic in the 401 over TLS (Digest only on plain RTSP)", async () => {
    const cert = makeCertificate()
    const usersFile = await writeUsersFile({ alice: { password: "wonder land" } }, [{ paths: ["**"], users: ["alice"], allow: ["read"] }])
    const server = await startTestServer({ tlsCert: cert.certFile, tlsKey: cert.keyFile, tlsPort: 0, usersFile })
    try {
      const schemes = (url: string) =>
        withClient(url, (conn) =>
          Effect.map(conn.request("DESCRIBE", url, { Accept: "application/sdp" }), (reply) => ({
            status: reply.status,
            schemes: getHeaders(reply.headers, "WWW-Authenticate").map((value) => value.split(" ")[0])
          })))
      const overTls = await schemes(`rtsps://127.0.0.1:${server.info.tlsPort}/movie.Mjpeg`)
      const plain = await schemes(server.url())
      expect(overTls.status).toBe(401)
      expect(overTls.schemes).toContain("Basic")
      expect(plain.schemes).not.toContain("Basic")
      expect(plain.schemes).toContain("Digest")
    } finally {
      await server.close()
    }
  })

  it("refuses to start on a missing or bad certificate, naming the file and never its contents", async () => {
    const cert = makeCertificate()
    const dir = mkdtempSync(join(tmpdir(), "effect-rtsp-badtls-"))
    const missing = join(dir, "missing.pem")
    const garbage = join(dir, "garbage.pem")
    writeFileSync(garbage, "S3CR3T garbage, not PEM\n")
    const other = makeCertificate("rtsps-other")
    const missingCert = await startError({ tlsCert: missing, tlsKey: cert.keyFile, tlsPort: 0 })
    const badKey = await startError({ tlsCert: cert.certFile, tlsKey: garbage, tlsPort: 0 })
    const mismatch = await startError({ tlsCert: cert.certFile, tlsKey: other.keyFile, tlsPort: 0 })
    const onlyCert = await startError({ tlsCert: cert.certFile, tlsPort: 0 })
    expect(missingCert).toContain(`TLS certificate file ${missing}: cannot read it`)
    expect(badKey).toContain(`TLS key file ${garbage}: not a usable PEM private key`)
    expect(badKey).not.toContain("S3CR3T")
    expect(mismatch).toContain(`TLS key file ${other.keyFile} does not go with the certificate in ${cert.certFile}`)
    expect(onlyCert).toContain("RTSPS needs both a certificate and a key")
    expect(Option.some(missingCert).pipe(Option.filter((text) => text.includes("ServerStartError")))._tag).toBe("Some")
  })
})
