/**
 * One harness session against any RTSP server: the RTSP conversation (RtspClient), the RTP
 * receiving end (a UDP port pair, or `$` frames on the RTSP connection) feeding the pure
 * receiver, and the request order SETUP → PLAY → PAUSE → TEARDOWN with its bookkeeping.
 * Every socket and fiber lives in the caller's Scope. The parts: types.ts (options, snapshot),
 * rtcpReports.ts (SR/BYE in, receiver reports out), keepAlive.ts, udpFallback.ts (UDP → TCP).
 *
 * Packets are handled synchronously in the socket callbacks and stamped there with their
 * arrival time, so jitter and intervals measure the network, not our own queueing.
 */
import { Effect, Fiber, Scope } from "effect"
import { randomBytes } from "node:crypto"
import { formatRange } from "../../src/protocol/rtsp/headers/range.js"
import type { TransportKind } from "../../src/protocol/rtsp/vocabulary.js"
import { resolveControlUrl } from "../../src/protocol/sdp.js"
import { makeUdpSocketPair, type UdpSocketPair } from "../../src/net/UdpSocket.js"
import { parseRtspUrl } from "../client/credentials.js"
import {
  connect,
  type DescribeResult,
  type PlayResult,
  type RtspConnection,
  RtspClientError,
  type RtspResponseInfo
} from "../client/RtspClient.js"
import { keepAliveLoop } from "./keepAlive.js"
import { makeSignal } from "./signal.js"
import { DEFAULT_RTCP_INTERVAL_MS, makeRtcpReports } from "./rtcpReports.js"
import { makeRtpIntake } from "./rtpIntake.js"
import type {
  ClientSession,
  ClientSessionOptions,
  ClientSessionSnapshot,
  ClientSessionState,
  PlayRange,
  RequestRecord
} from "./types.js"
import { fallbackPolicy, isUnsupportedTransport, silenceReason, silentFor, UNSUPPORTED_TRANSPORT_REASON } from "./udpFallback.js"

export type * from "./types.js"

export { MAX_JITTER_SAMPLES } from "./rtpIntake.js"
const RECEIVE_BUFFER_BYTES = 2 * 1024 * 1024

const elapsedSince = (started: number): number => performance.now() - started

export const makeClientSession = (
  options: ClientSessionOptions
): Effect.Effect<ClientSession, RtspClientError, Scope.Scope> =>
  Effect.gen(function* () {
    const dialect = options.dialect ?? "standard"
    const target = parseRtspUrl(options.url)
    if (target === undefined) return yield* new RtspClientError({ reason: "Connect", message: `not an rtsp:// URL: ${options.url}` })
    const scope = yield* Effect.scope
    const epochMs = options.epochMs ?? performance.now()
    const firstPacket = makeSignal()
    const intake = makeRtpIntake({
      dialect,
      expectedFps: options.expectedFps,
      epochMs,
      onFrame: options.onFrame,
      onPacket: firstPacket.fire
    })
    const receiver = intake.figures
    const ourSsrc = randomBytes(4).readUInt32BE(0)
    const rtcp = yield* makeRtcpReports({
      ssrc: ourSsrc,
      cname: `rtsp-harness-${ourSsrc.toString(16)}@${target.host}`,
      stats: receiver.rtpSnapshot
    })
    const policy = fallbackPolicy(dialect, options.udpFallbackMs)

    let transport: TransportKind = dialect === "classic" ? "udp" : options.transport ?? "udp"
    let fallback: string | undefined
    let state: ClientSessionState = "init"
    let sessionId: string | undefined
    let timeoutSeconds: number | undefined
    let described: DescribeResult | undefined
    let channels: readonly [number, number] = [0, 1]
    let serverRtcpPort: number | undefined
    let udp: UdpSocketPair | undefined
    let playedOnce = false
    let firstRtpInfo: PlayResult["rtpInfo"]
    const requests: Array<RequestRecord> = []
    /** Receiver reports and keep-alives: one fiber while set up, none otherwise. */
    let upkeep: Fiber.RuntimeFiber<never> | undefined

    const conn: RtspConnection = yield* connect(options.url, {
      dialect,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.onExchange === undefined ? {} : { onExchange: options.onExchange }),
      onClosed: (error) => {
        state = "closed"
        options.onConnectionLost?.(error)
      },
      onInterleaved: (channel, payload, arrivalMs) => {
        if (channel === channels[0]) intake.fromInterleaved(payload, arrivalMs)
        else if (channel === channels[1]) rtcp.onRtcp(payload, arrivalMs)
      }
    })

    /** Runs one request and records its status and time, whatever the outcome. */
    const recorded = <A extends RtspResponseInfo | { readonly response: RtspResponseInfo }, E>(
      method: string,
      effect: Effect.Effect<A, E>,
      raw = false
    ): Effect.Effect<A, E> => {
      const mark = raw ? { raw: true as const } : {}
      const started = performance.now()
      return effect.pipe(
        Effect.tap((result) =>
          Effect.sync(() => {
            const value: RtspResponseInfo | { readonly response: RtspResponseInfo } = result
            const info = "status" in value ? value : value.response
            requests.push({ method, status: info.status, elapsedMs: info.elapsedMs, ...mark })
          })
        ),
        Effect.tapError((error) =>
          Effect.sync(() => {
            const status = error instanceof RtspClientError ? error.status ?? 0 : 0
            requests.push({ method, status, elapsedMs: elapsedSince(started), ...mark })
          })
        )
      )
    }

    const describe = recorded("DESCRIBE", conn.describe(options.url)).pipe(
      Effect.tap((result) => Effect.sync(() => (described = result)))
    )

    /** The aggregate URL for PLAY/PAUSE/TEARDOWN: the SDP's session control, else the URL asked for. */
    const controlUrl = (): string =>
      described === undefined ? options.url : resolveControlUrl(described.contentBase, described.sdp.control ?? described.contentBase)

    /** Our receiver report to wherever the server's RTCP goes: its channel, or its RTCP port. */
    const sendRtcp = (compound: Uint8Array): boolean => {
      if (transport === "tcp") conn.sendInterleaved(channels[1], compound)
      else if (udp !== undefined && serverRtcpPort !== undefined) udp.rtcp.send([compound], serverRtcpPort, target.host)
      else return false
      return true
    }

    /** Receiver reports and keep-alives, for as long as the session is set up (standard dialect). */
    const startUpkeep = Effect.suspend(() => {
      if (dialect === "classic") return Effect.void
      const keepAlive = options.keepAlive === false
        ? Effect.never
        : keepAliveLoop((method) => recorded(method, conn.request(method, controlUrl())), timeoutSeconds)
      // One fiber: the keep-alives, with the reports' timer started and stopped around them.
      const reportsAround = Effect.acquireUseRelease(
        Effect.sync(() => rtcp.startReporting(options.rtcpIntervalMs ?? DEFAULT_RTCP_INTERVAL_MS, sendRtcp)),
        () => keepAlive,
        (stopReporting) => Effect.sync(stopReporting)
      )
      // In the session's scope, so it ends with the session at the latest (a FiberHandle costs ~6x more per session).
      return upkeep !== undefined ? Effect.void : Effect.asVoid(Effect.tap(Effect.forkIn(reportsAround, scope), (fiber) => Effect.sync(() => (upkeep = fiber))))
    })

    const stopUpkeep = Effect.suspend(() => {
      const fiber = upkeep
      upkeep = undefined
      return fiber === undefined ? Effect.void : Fiber.interrupt(fiber)
    })

    const bindUdp = Effect.gen(function* () {
      if (udp !== undefined) return udp
      const pair = yield* makeUdpSocketPair({ host: options.bindHost ?? "0.0.0.0", port: 0, receiveBufferBytes: RECEIVE_BUFFER_BYTES }).pipe(
        Scope.extend(scope)
      )
      intake.fromUdp(pair.rtp, options.udpBatching ?? true)
      pair.rtcp.deliverTo(rtcp.onRtcp)
      udp = pair
      return pair
    })

    const setupTcp = (trackUrl: string) =>
      recorded("SETUP", conn.setupTcp(trackUrl)).pipe(
        Effect.map((result) => {
          transport = "tcp"
          channels = result.channels
          // The connection's own channels carry nothing else.
          receiver.expectSsrc(undefined)
          return result
        })
      )

    const setupUdp = (trackUrl: string) =>
      Effect.gen(function* () {
        const pair = yield* bindUdp
        const result = yield* recorded("SETUP", conn.setupUdp(trackUrl, pair.rtp.port, pair.rtcp.port))
        serverRtcpPort = result.serverPorts?.[1]
        // A port the OS gave us may still receive an earlier owner's stream: measure only ours.
        receiver.expectSsrc(result.ssrc)
        return result
      })

    const setup: ClientSession["setup"] = Effect.gen(function* () {
      if (dialect === "standard" && described === undefined) yield* describe
      const trackUrl = described?.trackUrl ?? options.url
      const result = transport === "tcp"
        ? yield* setupTcp(trackUrl)
        : yield* setupUdp(trackUrl).pipe(
          Effect.catchIf(
            (error): error is RtspClientError => policy.onUnsupportedTransport && isUnsupportedTransport(error),
            () => {
              fallback = UNSUPPORTED_TRANSPORT_REASON
              return setupTcp(trackUrl)
            }
          )
        )
      sessionId = result.sessionId
      timeoutSeconds = result.timeoutSeconds
      state = "ready"
      yield* startUpkeep
    })

    const playRequest = (range: PlayRange | undefined) =>
      recorded(
        "PLAY",
        conn.play(controlUrl(), range === undefined ? {} : { headers: { Range: formatRange({ _tag: "Npt", start: range.start, ...(range.end === undefined ? {} : { end: range.end }) }) } })
      )

    /** The first PLAY over UDP brought nothing: start again over TCP, on the same connection. */
    const fallBackToTcp = (range: PlayRange | undefined, waitedMs: number) =>
      Effect.gen(function* () {
        fallback = silenceReason(waitedMs)
        yield* recorded("TEARDOWN", conn.teardown(controlUrl())).pipe(Effect.ignore)
        yield* stopUpkeep
        const result = yield* setupTcp(described?.trackUrl ?? options.url)
        sessionId = result.sessionId
        timeoutSeconds = result.timeoutSeconds
        yield* startUpkeep
        return yield* playRequest(range)
      })

    const play: ClientSession["play"] = (range) =>
      Effect.gen(function* () {
        const first = !playedOnce
        // Start-up is measured from the first PLAY, a fallback's delay included: the viewer waits it too.
        if (first) receiver.onPlaySent(performance.now())
        let result = yield* playRequest(range)
        playedOnce = true
        state = "playing"
        if (first) firstRtpInfo = result.rtpInfo
        if (first && transport === "udp" && policy.silenceMs > 0 && (yield* silentFor(firstPacket, policy.silenceMs))) {
          result = yield* fallBackToTcp(range, policy.silenceMs)
          firstRtpInfo = result.rtpInfo
        }
        return result
      })

    const pause = recorded("PAUSE", conn.pause(controlUrl())).pipe(Effect.tap(() => Effect.sync(() => (state = "ready"))))

    const teardown = recorded("TEARDOWN", conn.teardown(controlUrl())).pipe(
      Effect.ensuring(Effect.zipRight(stopUpkeep, Effect.sync(() => (state = "closed"))))
    )

    const raw: ClientSession["raw"] = (request) =>
      recorded(
        request.method,
        conn.request(request.method, request.uri ?? controlUrl(), request.headers ?? {}, request.version === undefined ? {} : { version: request.version }),
        true
      )

    const snapshot = (): ClientSessionSnapshot => ({
      url: options.url,
      dialect,
      transport,
      ...(fallback === undefined ? {} : { fallback }),
      state,
      ...(sessionId === undefined ? {} : { sessionId }),
      ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
      receiver: receiver.snapshot(),
      requests: [...requests],
      senderReports: rtcp.senderReports(),
      receiverReportsSent: rtcp.receiverReportsSent(),
      byeReceived: rtcp.byeReceived(),
      // The receiver's frame statistics hold the arrivals already; only the epoch differs.
      frameArrivalsMs: receiver.frameArrivalsMs().map((ms) => ms - epochMs),
      frameIntervalsMs: receiver.frameIntervalsMs(),
      jitterSeries: intake.jitterSeries().map((sample) => ({ tMs: sample.tMs, jitterMs: sample.value })),
      ...(firstRtpInfo === undefined ? {} : { firstRtpInfo })
    })

    return {
      options: recorded("OPTIONS", conn.request("OPTIONS", options.url)),
      describe,
      setup,
      play,
      pause,
      teardown,
      raw,
      awaitBye: rtcp.awaitBye,
      snapshot,
      live: () => ({ state, framesReceived: intake.framesSeen(), rtp: receiver.rtpSnapshot() })
    } satisfies ClientSession
  })
