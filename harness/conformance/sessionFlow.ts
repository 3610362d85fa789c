/**
 * The streaming checks, on one session as a player would run it: DESCRIBE, SETUP over the chosen
 * transport, PLAY, watch the stream (a keep-alive halfway), PAUSE, watch that it stops, TEARDOWN,
 * wait for the BYE. What arrived is then judged by the pure functions in streamAnalysis.ts.
 * A step that fails FAILs its own check; the checks that needed it SKIP, saying why.
 */
import { Effect, Either, type Scope } from "effect"
import { makeUdpSocketPair } from "../../src/net/UdpSocket.js"
import { JPEG_CLOCK_RATE, JPEG_PAYLOAD_TYPE } from "../../src/protocol/rtpJpeg.js"
import type { TrackDescription } from "../../src/protocol/sdpTracks.js"
import { getHeader } from "../../src/protocol/rtsp/message.js"
import type { RtspClientError, RtspConnection, RtspResponseInfo } from "../client/RtspClient.js"
import { DEFAULT_SESSION_TIMEOUT_S } from "../session/keepAlive.js"
import { type Capture, captureInterleaved, captureUdp, pollUntil } from "./capture.js"
import { answered, elapsedSince, errorText, freshConnection, sleepMs, type SuiteContext } from "./context.js"
import { checkFramesDecode } from "./frameDecode.js"
import {
  checkMarkers,
  checkPauseStops,
  checkRtpHeaders,
  checkRtpInfo,
  checkSequence,
  checkTimestamps,
  describeRtcp,
  findRtcp,
  ssrcLabel
} from "./streamAnalysis.js"
import { fail, type Outcome, pass, skip, type TimedOutcome } from "./types.js"

export const SESSION_CHECKS = [
  "setup", "session-timeout", "play", "keepalive", "rtp-header", "rtp-info", "rtp-sequence", "rtp-timestamps",
  "marker-bits", "frames-decode", "rtcp-sr", "pause", "pause-stops", "teardown", "bye-teardown"
] as const
export type SessionCheckId = (typeof SESSION_CHECKS)[number]

/** RTP already in flight when the PAUSE reply arrives may land this much later. */
export const PAUSE_GRACE_MS = 250
/** How long the flow is watched for packets after PAUSE (past the grace). */
export const PAUSE_OBSERVE_MS = 500
/** RFC 3550's first RTCP interval can reach 3.75 s; allow that plus slack, counted from PLAY. */
export const SR_WAIT_MS = 6000
const BYE_WAIT_MS = 2000
/** RFC 2326 §12.37: without `;timeout=` the session lasts 60 s (one owner: the session's keep-alive). */
export { DEFAULT_SESSION_TIMEOUT_S }

const EXPECTED: Readonly<Record<SessionCheckId, string>> = {
  setup: "200 with Session and Transport headers",
  "session-timeout": "Session: <id>;timeout=<seconds> (RFC 2326: 60 s when absent)",
  play: "200, then RTP packets",
  keepalive: "GET_PARAMETER (or OPTIONS) with the session answered 200, and the stream goes on",
  "rtp-header": "V=2, the SDP's payload type, one SSRC",
  "rtp-info": "RTP-Info seq= and rtptime= equal to the first packet's",
  "rtp-sequence": "consecutive sequence numbers",
  "rtp-timestamps": `timestamps advance by ${JPEG_CLOCK_RATE}/fps per frame`,
  "marker-bits": "M=1 on the last packet of every frame and on no other",
  "frames-decode": "every frame rebuilds: RFC 2435 and decodes as a JPEG, or whole RFC 6184/7798 access units with an SPS that reads",
  "rtcp-sr": `an RTCP SR for the stream's SSRC within ${SR_WAIT_MS / 1000} s of PLAY`,
  pause: "200",
  "pause-stops": `no RTP packet later than ${PAUSE_GRACE_MS} ms after the PAUSE reply`,
  teardown: "200",
  "bye-teardown": `an RTCP BYE for the stream's SSRC within ${BYE_WAIT_MS / 1000} s of TEARDOWN`
}

const STREAM_CHECKS: ReadonlyArray<SessionCheckId> = ["rtp-header", "rtp-info", "rtp-sequence", "rtp-timestamps", "marker-bits", "frames-decode", "rtcp-sr"]

const statusOutcome = (expected: string, reply: Either.Either<RtspResponseInfo, RtspClientError>): Outcome => {
  if (Either.isLeft(reply)) return fail(expected, errorText(reply.left))
  const got = answered(reply.right.status, reply.right.reason)
  return reply.right.status === 200 ? pass(expected, got) : fail(expected, got)
}

export const sessionTimeoutOutcome = (timeoutSeconds: number | undefined): Outcome => {
  const expected = EXPECTED["session-timeout"]
  if (timeoutSeconds === undefined) return pass(expected, `no timeout parameter: the RFC 2326 default of ${DEFAULT_SESSION_TIMEOUT_S} s applies`)
  if (timeoutSeconds < 1) return fail(expected, `timeout=${timeoutSeconds}: no keep-alive interval can honour it`)
  return pass(expected, `timeout=${timeoutSeconds}`)
}

interface KeepAlive {
  readonly method: string
  readonly reply: Either.Either<RtspResponseInfo, RtspClientError>
  readonly sentAt: number
  readonly answeredAt: number
}

/** GET_PARAMETER with the session, or OPTIONS when the server does not do GET_PARAMETER. */
const keepAlive = (conn: RtspConnection, url: string): Effect.Effect<KeepAlive> =>
  Effect.gen(function* () {
    const sentAt = performance.now()
    const first = yield* Effect.either(conn.request("GET_PARAMETER", url))
    if (Either.isRight(first) && (first.right.status === 501 || first.right.status === 405)) {
      const second = yield* Effect.either(conn.request("OPTIONS", url))
      return { method: "OPTIONS", reply: second, sentAt, answeredAt: performance.now() }
    }
    return { method: "GET_PARAMETER", reply: first, sentAt, answeredAt: performance.now() }
  })

const keepAliveOutcome = (ka: KeepAlive, capture: Capture | undefined, timeoutSeconds: number): Outcome => {
  const expected = EXPECTED.keepalive
  const detail = `session timeout ${timeoutSeconds} s; ${ka.method} sent with the Session header`
  if (Either.isLeft(ka.reply)) return fail(expected, `${ka.method}: ${errorText(ka.reply.left)}`, detail)
  const got = `${ka.method} ${answered(ka.reply.right.status, ka.reply.right.reason)}`
  if (ka.reply.right.status !== 200) return fail(expected, got, detail)
  if (capture === undefined) return pass(expected, `${got} (no stream was flowing to watch)`, detail)
  const after = capture.rtp.filter((p) => p.arrivalMs > ka.answeredAt).length
  return after > 0 ? pass(expected, `${got}; ${after} RTP packets after it`, detail) : fail(expected, `${got}, but no RTP packet after it`, detail)
}

const transportHint = (ctx: SuiteContext, error: RtspClientError): string | undefined =>
  error.status === 461 ? `the server has no RTP over ${ctx.transport.toUpperCase()}; try --transport ${ctx.transport === "udp" ? "tcp" : "udp"}` : undefined

export interface Established {
  readonly capture: Capture
  readonly sessionId: string
  readonly ssrc?: number
  readonly timeoutSeconds?: number
  readonly summary: string
}

/** SETUP over the suite's transport, with the capture running before PLAY is sent. */
export const establish = (ctx: SuiteContext, conn: RtspConnection, trackUrl: string): Effect.Effect<Established, { readonly actual: string; readonly detail?: string }, Scope.Scope> =>
  Effect.gen(function* () {
    const setupFailed = (error: RtspClientError) => {
      const hint = transportHint(ctx, error)
      return hint === undefined ? { actual: errorText(error) } : { actual: errorText(error), detail: hint }
    }
    if (ctx.transport === "tcp") {
      const setup = yield* conn.setupTcp(trackUrl).pipe(Effect.mapError(setupFailed))
      const capture = yield* captureInterleaved(conn, setup.channels)
      return {
        capture,
        sessionId: setup.sessionId,
        ...(setup.timeoutSeconds === undefined ? {} : { timeoutSeconds: setup.timeoutSeconds }),
        summary: `200, Session ${setup.sessionId}, interleaved=${setup.channels[0]}-${setup.channels[1]}`
      }
    }
    const pair = yield* makeUdpSocketPair({ host: ctx.udpBindHost, port: 0 }).pipe(
      Effect.mapError((e) => ({ actual: `not sent: cannot bind a UDP port pair: ${e.message}` }))
    )
    const setup = yield* conn.setupUdp(trackUrl, pair.rtp.port, pair.rtcp.port).pipe(Effect.mapError(setupFailed))
    const capture = yield* captureUdp(pair)
    const ports = setup.serverPorts === undefined ? "no server_port" : `server_port=${setup.serverPorts[0]}-${setup.serverPorts[1]}`
    return {
      capture,
      sessionId: setup.sessionId,
      ...(setup.ssrc === undefined ? {} : { ssrc: setup.ssrc }),
      ...(setup.timeoutSeconds === undefined ? {} : { timeoutSeconds: setup.timeoutSeconds }),
      summary: `200, Session ${setup.sessionId}, client_port=${pair.rtp.port}-${pair.rtcp.port}, ${ports}`
    }
  })

export const runSessionFlow = (ctx: SuiteContext): Effect.Effect<ReadonlyMap<SessionCheckId, TimedOutcome>> => {
  const results = new Map<SessionCheckId, TimedOutcome>()
  const put = (id: SessionCheckId, outcome: Outcome, startedAt?: number): void => {
    results.set(id, { ...outcome, elapsedMs: startedAt === undefined ? 0 : elapsedSince(startedAt) })
  }
  const skipAll = (ids: ReadonlyArray<SessionCheckId>, reason: string): void => {
    for (const id of ids) if (!results.has(id)) put(id, skip(EXPECTED[id], reason))
  }

  /** Returns the reason the checks it did not reach are skipped. */
  const flow = Effect.gen(function* () {
    const noSession = "no session: SETUP failed"
    let started = performance.now()
    const conn = yield* Effect.either(freshConnection(ctx))
    if (Either.isLeft(conn)) {
      put("setup", fail(EXPECTED.setup, `cannot connect: ${errorText(conn.left)}`), started)
      return noSession
    }
    const described = yield* Effect.either(conn.right.describe(ctx.url))
    if (Either.isLeft(described)) {
      put("setup", fail(EXPECTED.setup, `not sent: DESCRIBE failed: ${errorText(described.left)}`), started)
      return noSession
    }
    const { tracks, trackUrl } = described.right
    // The track SETUP goes to (DescribeResult.trackUrl): the first video track, else the first.
    const track: TrackDescription | undefined = tracks.find((t) => t.url === trackUrl)
    started = performance.now()
    const session = yield* Effect.either(establish(ctx, conn.right, trackUrl))
    if (Either.isLeft(session)) {
      put("setup", fail(EXPECTED.setup, session.left.actual, session.left.detail), started)
      return noSession
    }
    put("setup", pass(EXPECTED.setup, session.right.summary), started)
    put("session-timeout", sessionTimeoutOutcome(session.right.timeoutSeconds))
    const { capture } = session.right
    const timeoutSeconds = session.right.timeoutSeconds ?? DEFAULT_SESSION_TIMEOUT_S

    // PLAY, and the first packet.
    const playStart = performance.now()
    const played = yield* Effect.either(conn.right.play(ctx.url))
    let flowing = false
    if (Either.isLeft(played)) {
      put("play", fail(EXPECTED.play, errorText(played.left)), playStart)
      skipAll([...STREAM_CHECKS, "pause", "pause-stops"], "no stream: PLAY failed")
      put("keepalive", keepAliveOutcome(yield* keepAlive(conn.right, ctx.url), undefined, timeoutSeconds))
    } else {
      const repliedAt = performance.now()
      flowing = yield* pollUntil(() => capture.rtp.length > 0, ctx.timeoutMs)
      if (!flowing) {
        const where = ctx.transport === "udp" ? "; check that UDP can reach this host, or try --transport tcp" : ""
        put("play", fail(EXPECTED.play, `200, but no RTP packet in ${ctx.timeoutMs} ms${where}`), playStart)
        skipAll([...STREAM_CHECKS, "pause-stops"], "no RTP packet arrived")
        put("keepalive", keepAliveOutcome(yield* keepAlive(conn.right, ctx.url), undefined, timeoutSeconds))
      } else {
        put("play", pass(EXPECTED.play, `200; first RTP packet ${Math.max(0, Math.round(capture.rtp[0]!.arrivalMs - repliedAt))} ms after the reply`), playStart)
        // Watch the stream, with a keep-alive halfway.
        yield* sleepMs(ctx.playMs / 2)
        const ka = yield* keepAlive(conn.right, ctx.url)
        yield* sleepMs(repliedAt + ctx.playMs - performance.now())
        put("keepalive", keepAliveOutcome(ka, capture, timeoutSeconds), ka.sentAt)
        const ssrc = session.right.ssrc ?? capture.rtp[0]!.ssrc
        // A server that sends its first SR later than the watch gets the time RFC 3550 allows it.
        yield* pollUntil(() => findRtcp(capture.rtcp, "SenderReport", ssrc, playStart) !== undefined, SR_WAIT_MS - (performance.now() - playStart))
      }
    }

    // PAUSE, and the flow must stop.
    let pausedAt: number | undefined
    if (Either.isRight(played)) {
      const pauseStart = performance.now()
      const paused = yield* Effect.either(conn.right.pause(ctx.url))
      put("pause", statusOutcome(EXPECTED.pause, paused), pauseStart)
      if (Either.isRight(paused)) {
        pausedAt = performance.now()
        if (flowing) {
          yield* sleepMs(PAUSE_GRACE_MS + PAUSE_OBSERVE_MS)
          put("pause-stops", checkPauseStops(capture.rtp, { pausedAtMs: pausedAt, graceMs: PAUSE_GRACE_MS, observedMs: PAUSE_OBSERVE_MS }), pausedAt)
        }
      } else {
        skipAll(["pause-stops"], "PAUSE failed")
      }
    }

    if (flowing) {
      const analysedAt = performance.now()
      const cutoff = pausedAt === undefined ? Number.POSITIVE_INFINITY : pausedAt + PAUSE_GRACE_MS
      const packets = capture.rtp.filter((p) => p.arrivalMs <= cutoff)
      const ssrc = session.right.ssrc ?? packets[0]?.ssrc
      const playReply = Either.getOrUndefined(played)
      const infoHeader = playReply === undefined ? undefined : getHeader(playReply.headers, "RTP-Info")
      put("rtp-header", checkRtpHeaders(packets, {
        payloadType: track?.payloadType ?? JPEG_PAYLOAD_TYPE,
        ...(session.right.ssrc === undefined ? {} : { ssrc: session.right.ssrc }),
        undecodable: capture.undecodable(),
        ...(capture.firstUndecodable() === undefined ? {} : { firstUndecodable: capture.firstUndecodable()! })
      }), analysedAt)
      put("rtp-info", checkRtpInfo(infoHeader, playReply?.rtpInfo, trackUrl, packets[0]), analysedAt)
      put("rtp-sequence", checkSequence(packets), analysedAt)
      put("rtp-timestamps", checkTimestamps(packets, track?.framerate), analysedAt)
      put("marker-bits", checkMarkers(packets), analysedAt)
      const decodeStart = performance.now()
      put("frames-decode", yield* checkFramesDecode(packets, track), decodeStart)
      const sr = findRtcp(capture.rtcp, "SenderReport", ssrc, playStart)
      put("rtcp-sr", sr === undefined
        ? fail(EXPECTED["rtcp-sr"], describeRtcp(capture.rtcp, playStart, "SenderReport", ssrc))
        : pass(EXPECTED["rtcp-sr"], `SR from ${ssrcLabel(ssrc)} ${Math.round(sr.arrivalMs - playStart)} ms after PLAY`), playStart)
    }

    // TEARDOWN, and the BYE.
    const teardownStart = performance.now()
    const torn = yield* Effect.either(conn.right.teardown(ctx.url))
    put("teardown", statusOutcome(EXPECTED.teardown, torn), teardownStart)
    if (Either.isLeft(torn)) {
      skipAll(["bye-teardown"], "TEARDOWN failed")
    } else {
      const ssrc = session.right.ssrc ?? capture.rtp[0]?.ssrc
      const byeWait = Math.min(BYE_WAIT_MS, ctx.timeoutMs)
      const got = yield* pollUntil(() => findRtcp(capture.rtcp, "Goodbye", ssrc, teardownStart) !== undefined, byeWait)
      const bye = findRtcp(capture.rtcp, "Goodbye", ssrc, teardownStart)
      put("bye-teardown", got && bye !== undefined
        ? pass(EXPECTED["bye-teardown"], `BYE from ${ssrcLabel(ssrc)} ${Math.max(0, Math.round(bye.arrivalMs - teardownStart))} ms after TEARDOWN was sent`)
        : fail(EXPECTED["bye-teardown"], `${describeRtcp(capture.rtcp, teardownStart, "Goodbye", ssrc)} in ${byeWait} ms`), teardownStart)
    }
    return "not reached"
  })

  return flow.pipe(
    Effect.scoped,
    Effect.map((reason) => {
      skipAll(SESSION_CHECKS, reason)
      return results
    })
  )
}
