/**
 * Limits over real sockets: --max-sessions holds exactly under concurrent SETUPs, and so does the
 * per-address cap; one address over its connection, session or request caps is answered 503 with
 * Retry-After while another address is served; near --max-connections the longest-open silent
 * connection makes room. Clients come from 127.0.0.2 and 127.0.0.3 (other loopback addresses),
 * with the loopback exemption turned off where per-address caps are the point.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { getHeader, type RtspResponse } from "../../src/protocol/rtsp/message.js"
import { REFUSAL_STATUS } from "../../src/server/refusals.js"
import { connectClient, sleep, type TestRtspClient } from "../support/rtspTestClient.js"
import { startTestServer, type TestServer } from "../support/testServer.js"

const UDP = "RTP/AVP;unicast;client_port=50000-50001"
const opened: Array<{ close: () => void }> = []
let server: TestServer | undefined

afterEach(async () => {
  for (const item of opened.splice(0)) item.close()
  await server?.close()
  server = undefined
})

const connect = async (target: TestServer, from?: string): Promise<TestRtspClient> => {
  const client = await connectClient(target.info.port, from)
  opened.push(client)
  return client
}

const setupFrom = async (target: TestServer, from?: string): Promise<RtspResponse> => {
  const client = await connect(target, from)
  return client.request("SETUP", `${target.url()}/streamid=0`, { Transport: UDP })
}

const countBy = (statuses: ReadonlyArray<number>): Record<number, number> =>
  statuses.reduce<Record<number, number>>((counts, s) => ({ ...counts, [s]: (counts[s] ?? 0) + 1 }), {})

describe("session limits under concurrent SETUPs", () => {
  it("--max-sessions 50 with 300 SETUPs at once: exactly 50 sessions, the rest 453", async () => {
    server = await startTestServer({ maxSessions: 50 })
    const target = server
    const replies = await Promise.all(Array.from({ length: 300 }, () => setupFrom(target)))
    expect(countBy(replies.map((r) => r.statusCode))).toEqual({ 200: 50, [REFUSAL_STATUS.SessionLimitReached]: 250 })
    expect(target.info.sessions()).toHaveLength(50)
  })

  it("the per-address cap holds exactly too, with 503 and Retry-After, and another address is not touched", async () => {
    server = await startTestServer({ maxSessionsPerAddress: 5, limitsExempt: [] })
    const target = server
    const replies = await Promise.all(Array.from({ length: 40 }, () => setupFrom(target, "127.0.0.2")))
    expect(countBy(replies.map((r) => r.statusCode))).toEqual({ 200: 5, 503: 35 })
    const refused = replies.find((r) => r.statusCode === 503)!
    expect(getHeader(refused.headers, "Retry-After")).toBe("5")
    expect((await setupFrom(target, "127.0.0.3")).statusCode).toBe(200)
    expect(target.metrics.snapshot().guards.limitRefusals["sessions-per-address"]).toBe(35)
  })
})

describe("connections and requests per address", () => {
  it("a fourth connection from one address gets 503 with Retry-After and is closed; another address connects", async () => {
    server = await startTestServer({ maxConnectionsPerAddress: 3, limitsExempt: [] })
    for (let i = 0; i < 3; i++) expect((await (await connect(server, "127.0.0.2")).request("OPTIONS", server.url())).statusCode).toBe(200)
    const fourth = await connect(server, "127.0.0.2")
    expect(await fourth.waitClosed(3000)).toBe(true)
    expect(fourth.raw().toString()).toMatch(/^RTSP\/1\.0 503 Service Unavailable\r\nServer: effect-rtsp\r\nRetry-After: 5\r\n\r\n$/)
    expect((await (await connect(server, "127.0.0.3")).request("OPTIONS", server.url())).statusCode).toBe(200)
    expect(server.metrics.snapshot().guards.limitRefusals["connections-per-address"]).toBe(1)
    expect(server.metrics.render()).toContain('rtsp_limit_refusals_total{kind="connections-per-address"} 1\n')
  })

  it("a refused connection that sent a request is still closed, so it holds no descriptor and shutdown does not wait on it", async () => {
    server = await startTestServer({ maxConnectionsPerAddress: 1, limitsExempt: [] })
    const first = await connect(server, "127.0.0.2")
    const refused = await connect(server, "127.0.0.2")
    // Sent before it could read its 503: unread on the server, these bytes once kept the socket half-open for good.
    refused.send(`OPTIONS ${server.url()} RTSP/1.0\r\nCSeq: 1\r\n\r\n`)
    expect(await refused.waitClosed(3000)).toBe(true)
    first.close()
    refused.close()
    const closing = server.close()
    server = undefined
    const closed = await Promise.race([closing.then(() => true), sleep(3000).then(() => false)])
    expect(closed).toBe(true)
  })

  it("an address sending more requests than its rate gets 503 with Retry-After; another address is answered", async () => {
    server = await startTestServer({ maxRequestsPerSecond: 5, limitsExempt: [] })
    const flood = await connect(server, "127.0.0.2")
    const url = server.url()
    flood.send(Array.from({ length: 30 }, (_, i) => `OPTIONS ${url} RTSP/1.0\r\nCSeq: ${i + 1}\r\n\r\n`).join(""))
    const replies: Array<RtspResponse> = []
    for (let i = 0; i < 30; i++) replies.push(await flood.nextResponse())
    const counts = countBy(replies.map((r) => r.statusCode))
    // The bucket holds twice the rate: the first 10 pass, then (a few refills aside) 503s.
    expect(counts[200]).toBeGreaterThanOrEqual(10)
    expect(counts[503]).toBeGreaterThanOrEqual(15)
    expect(getHeader(replies.find((r) => r.statusCode === 503)!.headers, "Retry-After")).toMatch(/^\d+$/)
    expect((await (await connect(server, "127.0.0.3")).request("OPTIONS", url)).statusCode).toBe(200)
  })
})

describe("near --max-connections", () => {
  it("the longest-open connection that sent nothing is closed to make room; one that spoke stays", async () => {
    server = await startTestServer({ maxConnections: 10 })
    const spoke = await connect(server)
    expect((await spoke.request("OPTIONS", server.url())).statusCode).toBe(200)
    const silent: Array<TestRtspClient> = []
    for (let i = 0; i < 8; i++) {
      silent.push(await connect(server))
      await sleep(5)
    }
    // 9 open: at 90 % of 10, the next connection closes the oldest silent one.
    const newcomer = await connect(server)
    expect(await silent[0]!.waitClosed(3000)).toBe(true)
    expect(silent.slice(1).some((c) => c.closed())).toBe(false)
    expect(spoke.closed()).toBe(false)
    expect((await newcomer.request("OPTIONS", server.url())).statusCode).toBe(200)
    expect(server.metrics.snapshot().guards.limitRefusals["idle-evicted"]).toBe(1)
  })
})
