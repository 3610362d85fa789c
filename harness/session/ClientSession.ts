/**
 * One harness session against any RTSP server: the RTSP conversation (RtspClient), the RTP
 * receiving end (a UDP port pair, or `$` frames on the RTSP connection) feeding the pure
 * receiver, RTCP both ways (sender reports and BYE in, receiver reports out every few seconds)
 * and keep-alives at half the server's advertised timeout. Every socket and fiber lives in the
 * caller's Scope.
 *
 * Packets are handled synchronously in the socket callbacks and stamped there with their
 * arrival time, so jitter and intervals measure the network, not our own queueing.
 *
 * UDP falls back to TCP interleaved when SETUP over UDP is answered 461, or when the first
 * PLAY brings no packet within `udpFallbackMs` (a firewall or NAT eating the datagrams).
 */
import { Deferred, Duration, Effect, Either, Fiber, Schedule, Scope, Stream } from "effect"
import { randomBytes } from "node:crypto"
import { decodeRtcpCompound } from "../../src/protocol/rtcpDecode.js"
import { ntpMiddle32 } from "../../src/protocol/rtcpNtp.js"
import { formatRange } from "../../src/protocol/rtsp/headers/range.js"
import { resolveControlUrl } from "../../src/protocol/sdp.js"
import { makeUdpSocketPair, type UdpSocketError, type UdpSocketPair } from "../../src/net/UdpSocket.js"
import { parseRtspUrl } from "../client/credentials.js"
import {
  connect,
  type DescribeResult,
  type PlayResult,
  type RtspConnection,
  RtspClientError,
  type RtspResponseInfo,
  type WireExchange
} from "../client/RtspClient.js"
import type { RtpStatsSnapshot } from "../metrics/rtpStats.js"
import { makeThinningSeries } from "../metrics/thinningSeries.js"
import { makeMjpegReceiver, type ReceivedFrame, type ReceiverSnapshot } from "../receiver/mjpegReceiver.js"
import { EMPTY_BASELINE, type LastSenderReport, receiverReportCompound, reportBlockFor } from "./receiverReport.js"

export type SessionTransport = "udp" | "tcp"
export type SessionDialect = "standard" | "classic"
export type SessionState = "init" | "ready" | "playing" | "closed"

export interface ClientSessionOptions {
  readonly url: string
  readonly transport?: SessionTransport
  readonly dialect?: SessionDialect
  /** Per request and for connecting (default 5 s). */
  readonly timeoutMs?: number
  readonly username?: string
  readonly password?: string
  /** UDP: after the first PLAY, no packet for this long switches to TCP (default 3000; 0 = never). A 461 to SETUP always does. */
  readonly udpFallbackMs?: number
  /** For the RTP timestamp step check (90000 / fps per frame). */
  readonly expectedFps?: number
  /** Receiver reports every this many ms while set up (default 5000; standard dialect only). */
  readonly rtcpIntervalMs?: number
  /** Sends GET_PARAMETER (or OPTIONS) at half the advertised session timeout (default true). */
  readonly keepAlive?: boolean
  /** Local address for the RTP/RTCP ports (default 0.0.0.0). */
  readonly bindHost?: string
  /** Called for every complete frame, in order, from the socket callback: keep it cheap. */
  readonly onFrame?: (frame: ReceivedFrame, index: number) => void
  /** Time zero of the recorded timeline, on performance.now()'s clock (default: creation). */
  readonly epochMs?: number
  /** Each RTSP request and response as text (see RtspClient's ConnectOptions.onExchange). */
  readonly onExchange?: (exchange: WireExchange) => void
  /** The RTSP connection was lost without our asking; the session is closed from then on. */
  readonly onConnectionLost?: (error: RtspClientError) => void
}

export interface RequestRecord {
  readonly method: string
  /** 0 when no response came (timeout, closed connection). */
  readonly status: number
  readonly elapsedMs: number
  /** Sent with `raw` (a scripted request, e.g. one expected to be refused). */
  readonly raw?: true
}

export interface JitterSample {
  readonly tMs: number
  readonly jitterMs: number
}

export interface ClientSessionSnapshot {
  readonly url: string
  readonly dialect: SessionDialect
  /** What is in use now: "tcp" after a fallback. */
  readonly transport: SessionTransport
  readonly fallback?: string
  readonly state: SessionState
  readonly sessionId?: string
  readonly timeoutSeconds?: number
  readonly receiver: ReceiverSnapshot
  readonly requests: ReadonlyArray<RequestRecord>
  readonly senderReports: number
  readonly receiverReportsSent: number
  readonly byeReceived: boolean
  /** Frame arrivals since epochMs, ascending. */
  readonly frameArrivalsMs: ReadonlyArray<number>
  /** The intervals between consecutive frame arrivals (ms). */
  readonly frameIntervalsMs: ReadonlyArray<number>
  /** Jitter after a frame, at most one sample per 100 ms; thinned evenly past MAX_JITTER_SAMPLES (long runs stay bounded). */
  readonly jitterSeries: ReadonlyArray<JitterSample>
  /** RTP-Info of the first PLAY, for checking it against the first packet. */
  readonly firstRtpInfo?: PlayResult["rtpInfo"]
}

export interface RawRequest {
  readonly method: string
  readonly uri?: string
  readonly headers?: Record<string, string>
  readonly version?: string
}

export interface PlayRange {
  readonly start: number
  readonly end?: number
}

export interface ClientSession {
  readonly options: Effect.Effect<RtspResponseInfo, RtspClientError>
  readonly describe: Effect.Effect<DescribeResult, RtspClientError>
  /** DESCRIBEs first in the standard dialect when no DESCRIBE was made (to find the track). */
  readonly setup: Effect.Effect<void, RtspClientError | UdpSocketError>
  readonly play: (range?: PlayRange) => Effect.Effect<PlayResult, RtspClientError | UdpSocketError>
  readonly pause: Effect.Effect<RtspResponseInfo, RtspClientError>
  readonly teardown: Effect.Effect<RtspResponseInfo, RtspClientError>
  /** Any request, answered with whatever status; defaults to the session's URL. */
  readonly raw: (request: RawRequest) => Effect.Effect<RtspResponseInfo, RtspClientError>
  /** Waits up to `ms` for an RTCP BYE (end of stream); true if it came. */
  readonly awaitBye: (ms: number) => Effect.Effect<boolean>
  readonly snapshot: () => ClientSessionSnapshot
  /** Cheap counters for live progress. */
  readonly live: () => LiveCounters
}

export interface LiveCounters {
  readonly state: SessionState
  readonly framesReceived: number
  readonly rtp: RtpStatsSnapshot
}

const DEFAULT_FALLBACK_MS = 3000
const DEFAULT_RTCP_INTERVAL_MS = 5000
/** RFC 2326 §12.37: the timeout when a server advertises none. */
const DEFAULT_SESSION_TIMEOUT_S = 60
const JITTER_SAMPLE_EVERY_MS = 100
/** Jitter samples kept per session (see makeThinningSeries). */
export const MAX_JITTER_SAMPLES = 2048
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
    const receiver = makeMjpegReceiver({ dialect, ...(options.expectedFps === undefined ? {} : { expectedFps: options.expectedFps }) })
    const ourSsrc = randomBytes(4).readUInt32BE(0)
    const cname = `rtsp-harness-${ourSsrc.toString(16)}@${target.host}`

    let transport: SessionTransport = dialect === "classic" ? "udp" : options.transport ?? "udp"
    let fallback: string | undefined
    let state: SessionState = "init"
    let sessionId: string | undefined
    let timeoutSeconds: number | undefined
    let described: DescribeResult | undefined
    let channels: readonly [number, number] = [0, 1]
    let serverRtcpPort: number | undefined
    let udp: UdpSocketPair | undefined
    let playedOnce = false
    let firstRtpInfo: PlayResult["rtpInfo"]
    let senderReports = 0
    let receiverReportsSent = 0
    let byeReceived = false
    let lastSr: LastSenderReport | undefined
    let baseline = EMPTY_BASELINE
    let framesSeen = 0
    const jitter = makeThinningSeries({ everyMs: JITTER_SAMPLE_EVERY_MS, max: MAX_JITTER_SAMPLES })
    const requests: Array<RequestRecord> = []
    const firstPacket = yield* Deferred.make<void>()
    const bye = yield* Deferred.make<void>()
    let background: ReadonlyArray<Fiber.RuntimeFiber<unknown, unknown>> = []

    let anyPacket = false
    const onRtp = (datagram: Uint8Array, arrivalMs: number): void => {
      if (!anyPacket) {
        anyPacket = true
        Deferred.unsafeDone(firstPacket, Effect.void)
      }
      for (const frame of receiver.onRtp(datagram, arrivalMs)) {
        const t = arrivalMs - epochMs
        jitter.offer(t, () => receiver.rtpSnapshot().jitterMs)
        options.onFrame?.(frame, framesSeen)
        framesSeen += 1
      }
    }

    const onRtcp = (datagram: Uint8Array, arrivalMs: number): void => {
      const decoded = decodeRtcpCompound(datagram)
      if (Either.isLeft(decoded)) return
      for (const packet of decoded.right) {
        if (packet._tag === "SenderReport") {
          senderReports += 1
          lastSr = { middle32: ntpMiddle32(packet.ntpTimestamp), arrivalMs }
        } else if (packet._tag === "Goodbye") {
          byeReceived = true
          Deferred.unsafeDone(bye, Effect.void)
        }
      }
    }

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
        if (channel === channels[0]) onRtp(payload, arrivalMs)
        else if (channel === channels[1]) onRtcp(payload, arrivalMs)
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

    const sendReceiverReport = Effect.sync(() => {
      const stats = receiver.snapshot().rtp
      const { block, baseline: next } = reportBlockFor(stats, baseline, lastSr, performance.now())
      baseline = next
      const compound = receiverReportCompound(ourSsrc, cname, stats.packetsReceived > 0 ? block : undefined)
      if (transport === "tcp") conn.sendInterleaved(channels[1], compound)
      else if (udp !== undefined && serverRtcpPort !== undefined) udp.rtcp.send([compound], serverRtcpPort, target.host)
      else return
      receiverReportsSent += 1
    })

    const keepAliveOnce = Effect.gen(function* () {
      const info = yield* recorded("GET_PARAMETER", conn.request("GET_PARAMETER", controlUrl()))
      // Servers without GET_PARAMETER refresh the session on OPTIONS too (RFC 2326 §10.1).
      if (info.status === 501 || info.status === 405) yield* recorded("OPTIONS", conn.request("OPTIONS", controlUrl()))
    }).pipe(Effect.ignore)

    /** Receiver reports and keep-alives, for as long as the session is set up. */
    const startBackground = Effect.gen(function* () {
      if (dialect === "classic" || background.length > 0) return
      const fibers: Array<Fiber.RuntimeFiber<unknown, unknown>> = []
      const rtcpEvery = Math.max(100, options.rtcpIntervalMs ?? DEFAULT_RTCP_INTERVAL_MS)
      fibers.push(yield* Effect.forkIn(Effect.repeat(sendReceiverReport, Schedule.spaced(Duration.millis(rtcpEvery))), scope))
      if (options.keepAlive !== false) {
        const halfTimeoutMs = ((timeoutSeconds ?? DEFAULT_SESSION_TIMEOUT_S) * 1000) / 2
        const every = Duration.millis(Math.max(1000, halfTimeoutMs))
        fibers.push(yield* Effect.forkIn(Effect.sleep(every).pipe(Effect.zipRight(keepAliveOnce), Effect.forever), scope))
      }
      background = fibers
    })

    const stopBackground = Effect.suspend(() => {
      const fibers = background
      background = []
      return Fiber.interruptAll(fibers)
    })

    const bindUdp = Effect.gen(function* () {
      if (udp !== undefined) return udp
      const pair = yield* makeUdpSocketPair({ host: options.bindHost ?? "0.0.0.0", port: 0, receiveBufferBytes: RECEIVE_BUFFER_BYTES }).pipe(
        Scope.extend(scope)
      )
      pair.rtp.deliverTo(onRtp)
      yield* Effect.forkIn(Stream.runForEach(pair.rtcp.messages, (m) => Effect.sync(() => onRtcp(m.data, performance.now()))), scope)
      udp = pair
      return pair
    })

    const setupTcp = (trackUrl: string) =>
      recorded("SETUP", conn.setupTcp(trackUrl)).pipe(
        Effect.map((result) => {
          transport = "tcp"
          channels = result.channels
          return result
        })
      )

    const setupUdp = (trackUrl: string) =>
      Effect.gen(function* () {
        const pair = yield* bindUdp
        const result = yield* recorded("SETUP", conn.setupUdp(trackUrl, pair.rtp.port, pair.rtcp.port))
        serverRtcpPort = result.serverPorts?.[1]
        return result
      })

    // A 461 to SETUP over UDP always moves to TCP (standard dialect); silence only when a wait is set.
    const canUseTcp = dialect === "standard"
    const silenceFallbackMs = canUseTcp ? options.udpFallbackMs ?? DEFAULT_FALLBACK_MS : 0

    const setup: ClientSession["setup"] = Effect.gen(function* () {
      if (dialect === "standard" && described === undefined) yield* describe
      const trackUrl = described?.trackUrl ?? options.url
      const result = transport === "tcp"
        ? yield* setupTcp(trackUrl)
        : yield* setupUdp(trackUrl).pipe(
          Effect.catchIf(
            (error): error is RtspClientError => error instanceof RtspClientError && error.status === 461 && canUseTcp,
            () => {
              fallback = "SETUP over UDP answered 461 Unsupported Transport"
              return setupTcp(trackUrl)
            }
          )
        )
      sessionId = result.sessionId
      timeoutSeconds = result.timeoutSeconds
      state = "ready"
      yield* startBackground
    })

    const playRequest = (range: PlayRange | undefined) =>
      recorded(
        "PLAY",
        conn.play(controlUrl(), range === undefined ? {} : { headers: { Range: formatRange({ _tag: "Npt", start: range.start, ...(range.end === undefined ? {} : { end: range.end }) }) } })
      )

    /** The first PLAY over UDP brought nothing: start again over TCP, on the same connection. */
    const fallBackToTcp = (range: PlayRange | undefined, waitedMs: number) =>
      Effect.gen(function* () {
        fallback = `no RTP over UDP within ${waitedMs} ms of PLAY`
        yield* recorded("TEARDOWN", conn.teardown(controlUrl())).pipe(Effect.ignore)
        yield* stopBackground
        const result = yield* setupTcp(described?.trackUrl ?? options.url)
        sessionId = result.sessionId
        timeoutSeconds = result.timeoutSeconds
        yield* startBackground
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
        if (first && transport === "udp" && silenceFallbackMs > 0) {
          const arrived = yield* Deferred.await(firstPacket).pipe(Effect.timeout(Duration.millis(silenceFallbackMs)), Effect.isSuccess)
          if (!arrived) {
            result = yield* fallBackToTcp(range, silenceFallbackMs)
            firstRtpInfo = result.rtpInfo
          }
        }
        return result
      })

    const pause = recorded("PAUSE", conn.pause(controlUrl())).pipe(Effect.tap(() => Effect.sync(() => (state = "ready"))))

    const teardown = recorded("TEARDOWN", conn.teardown(controlUrl())).pipe(
      Effect.ensuring(Effect.zipRight(stopBackground, Effect.sync(() => (state = "closed"))))
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
      senderReports,
      receiverReportsSent,
      byeReceived,
      // The receiver's frame statistics hold the arrivals already; only the epoch differs.
      frameArrivalsMs: receiver.frameArrivalsMs().map((ms) => ms - epochMs),
      frameIntervalsMs: receiver.frameIntervalsMs(),
      jitterSeries: jitter.samples().map((sample) => ({ tMs: sample.tMs, jitterMs: sample.value })),
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
      awaitBye: (ms) => Deferred.await(bye).pipe(Effect.timeout(Duration.millis(ms)), Effect.isSuccess),
      snapshot,
      live: () => ({ state, framesReceived: framesSeen, rtp: receiver.rtpSnapshot() })
    } satisfies ClientSession
  })
