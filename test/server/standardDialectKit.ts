/** Shared fixtures for the standard-dialect tests: the in-process server, connections, UDP sessions and RTP-Info reading. */
import { afterAll, beforeAll, expect } from "@effect/vitest"
import { Either } from "effect"
import type { RtcpPacket } from "../../src/protocol/rtcp.js"
import type { RtpPacket } from "../../src/protocol/rtp.js"
import { parseRtpInfo } from "../../src/protocol/rtsp/headers/rtp-info.js"
import { parseTransport } from "../../src/protocol/rtsp/headers/transport.js"
import { getHeader, type RtspResponse } from "../../src/protocol/rtsp/message.js"
import { connectClient, sessionIdOf, type TestRtspClient, udpReceiver, type UdpReceiver } from "../support/rtspTestClient.js"
import { startTestServer, type TestServer } from "../support/testServer.js"
import { rtcp, rtp } from "./streamHelpers.js"

/** Public of a server without --publish (the default): every method but ANNOUNCE and RECORD; also the Allow of its 405. */
export const PLAY_PUBLIC = "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER"
/** Every method the server implements: Public with --publish, and a 501's Public and Allow either way. */
export const ALL_METHODS = "OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD, PAUSE, TEARDOWN, GET_PARAMETER"
export const TS_PER_FRAME = 90000 / 20

/** The server of the calling test file, started by useServer(). */
export let server: TestServer
/** Starts `server` before the calling file's tests and closes it after them. */
export const useServer = (): void => {
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server.close()
  })
}

export const header = (response: RtspResponse, name: string): string | undefined => getHeader(response.headers, name)

export interface Closable {
  readonly close: () => void
}

/** Closes everything a test opened, whatever happened. */
const cleanup = (items: ReadonlyArray<Closable>): void => {
  for (const item of items) {
    try {
      item.close()
    } catch {
      // already closed
    }
  }
}

/** Hands an item to the test's cleanup and returns it. */
export type Own = <T extends Closable>(item: T) => T

/**
 * Runs `body` with a fresh connection to `target`; the connection and everything `body` hands to
 * `own` (sessions, receivers, more connections) are closed afterwards, whatever happened.
 */
export const withConnection = async (
  body: (client: TestRtspClient, own: Own) => Promise<void>,
  target: TestServer = server
): Promise<void> => {
  const items: Array<Closable> = []
  const own: Own = (item) => {
    items.push(item)
    return item
  }
  try {
    await body(own(await connectClient(target.info.port)), own)
  } finally {
    cleanup(items)
  }
}

export interface UdpSession {
  readonly id: string
  readonly ssrc: number
  readonly reply: RtspResponse
  readonly rtpRx: UdpReceiver
  readonly rtcpRx: UdpReceiver
  readonly packets: () => Array<RtpPacket>
  readonly rtcpPackets: () => Array<ReadonlyArray<RtcpPacket>>
  readonly close: () => void
}

/** Two UDP receivers (RTP on the lower port) and a SETUP naming them. */
export const setupUdp = async (client: TestRtspClient, path = "movie.Mjpeg/streamid=0", target: TestServer = server): Promise<UdpSession> => {
  const a = await udpReceiver()
  const b = await udpReceiver()
  const [rtpRx, rtcpRx] = a.port < b.port ? [a, b] : [b, a]
  const reply = await client.request("SETUP", target.url(path), { Transport: `RTP/AVP;unicast;client_port=${rtpRx.port}-${rtcpRx.port}` })
  expect(reply.statusCode).toBe(200)
  const transport = parseTransport(header(reply, "Transport") ?? "")
  if (Either.isLeft(transport)) throw new Error(transport.left.message)
  return {
    id: sessionIdOf(reply),
    ssrc: transport.right[0]!.ssrc!,
    reply,
    rtpRx,
    rtcpRx,
    packets: () => rtpRx.packets.map((p) => rtp(p.data)),
    rtcpPackets: () => rtcpRx.packets.map((p) => rtcp(p.data)),
    close: () => {
      rtpRx.close()
      rtcpRx.close()
    }
  }
}

export interface SessionOptions {
  readonly path?: string
  readonly target?: TestServer
}

/** A fresh connection with one UDP session set up on it (see setupUdp). */
export const withUdpSession = (
  body: (client: TestRtspClient, session: UdpSession, own: Own) => Promise<void>,
  options: SessionOptions = {}
): Promise<void> =>
  withConnection(async (client, own) => body(client, own(await setupUdp(client, options.path, options.target)), own), options.target)

/** The same, and PLAYing: PLAY with `headers` answered 200; `body` gets the PLAY reply. */
export const withPlayingSession = (
  headers: Record<string, string>,
  body: (client: TestRtspClient, session: UdpSession, play: RtspResponse) => Promise<void>,
  options: SessionOptions = {}
): Promise<void> =>
  withUdpSession(async (client, session) => {
    const play = await client.request("PLAY", (options.target ?? server).url(), { Session: session.id, ...headers })
    expect(play.statusCode).toBe(200)
    await body(client, session, play)
  }, options)

export const markers = (packets: ReadonlyArray<RtpPacket>): number => packets.filter((p) => p.header.marker).length

export const rtpInfoOf = (response: RtspResponse): { seq: number; rtptime: number; url: string } => {
  const parsed = parseRtpInfo(header(response, "RTP-Info") ?? "")
  if (Either.isLeft(parsed)) throw new Error(parsed.left.message)
  const entry = parsed.right[0]!
  return { url: entry.url, seq: entry.seq!, rtptime: entry.rtptime! }
}
