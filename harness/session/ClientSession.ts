/**
 * One harness session against any RTSP server: the RTSP conversation (RtspClient), the tracks
 * DESCRIBE offered and `tracks` picked (each with its receiving end: a UDP port pair, the
 * server's multicast group, or a pair of `$` channels on the RTSP connection, feeding the pure
 * receiver of its codec, and its own RTCP), and the request order SETUP → PLAY → PAUSE →
 * TEARDOWN with its bookkeeping. The first track picked is the primary one: the session's
 * top-level figures are its own. Every socket and fiber lives in the caller's Scope. The parts:
 * types.ts (options, snapshot), trackLink.ts (one track's receiving end), rtcpReports.ts (SR/BYE
 * in, receiver reports out), keepAlive.ts, udpFallback.ts (UDP → TCP; multicast never falls
 * back, since a run over another transport would measure something else).
 *
 * Packets are handled synchronously in the socket callbacks and stamped there with their
 * arrival time, so jitter and intervals measure the network, not our own queueing.
 */
import { Effect, Either, Fiber, type Scope } from "effect"
import { randomBytes } from "node:crypto"
import { formatRange } from "../../src/protocol/rtsp/headers/range.js"
import type { TransportKind } from "../../src/protocol/rtsp/vocabulary.js"
import { resolveControlUrl } from "../../src/protocol/sdp.js"
import { selectTracks } from "../../src/protocol/sdpTracks.js"
import { parseRtspUrl } from "../client/credentials.js"
import { protocolError } from "../client/errors.js"
import {
  connect,
  type DescribeResult,
  type PlayResult,
  type RtspConnection,
  RtspClientError,
  type RtspResponseInfo
} from "../client/RtspClient.js"
import { lipSyncOffsetMs } from "../metrics/lipSync.js"
import { keepAliveLoop } from "./keepAlive.js"
import { makeSignal } from "./signal.js"
import { DEFAULT_RTCP_INTERVAL_MS } from "./rtcpReports.js"
import { makeRtpIntake } from "./rtpIntake.js"
import { makeTrackLink, type TrackLink } from "./trackLink.js"
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
    const ourSsrc = randomBytes(4).readUInt32BE(0)
    const cname = `rtsp-harness-${ourSsrc.toString(16)}@${target.host}`
    const policy = fallbackPolicy(dialect, options.udpFallbackMs)
    // Before any track is set up, the figures are an empty receiver's.
    const noTrackYet = makeRtpIntake({ dialect, epochMs, onPacket: () => {} })

    let transport: TransportKind = dialect === "classic" ? "udp" : options.transport ?? "udp"
    let fallback: string | undefined
    /** The primary track's group and RTP port ("239.255.42.1:8002"), once set up for multicast. */
    let multicastGroup: string | undefined
    let state: ClientSessionState = "init"
    let sessionId: string | undefined
    let timeoutSeconds: number | undefined
    let described: DescribeResult | undefined
    let links: ReadonlyArray<TrackLink> = []
    let playedOnce = false
    let firstRtpInfo: PlayResult["rtpInfo"]
    const requests: Array<RequestRecord> = []
    /** Receiver reports and keep-alives: one fiber while set up, none otherwise. */
    let upkeep: Fiber.RuntimeFiber<never> | undefined

    const primary = () => links[0]?.intake ?? noTrackYet

    const conn: RtspConnection = yield* connect(options.url, {
      dialect,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.insecure === undefined ? {} : { insecure: options.insecure }),
      ...(options.onExchange === undefined ? {} : { onExchange: options.onExchange }),
      onClosed: (error) => {
        state = "closed"
        options.onConnectionLost?.(error)
      },
      onInterleaved: (channel, payload, arrivalMs) => {
        for (const link of links) {
          if (link.channels === undefined) continue
          if (channel === link.channels[0]) return link.intake.fromInterleaved(payload, arrivalMs)
          if (channel === link.channels[1]) return link.rtcp.onRtcp(payload, arrivalMs)
        }
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

    const interleave = (channel: number, compound: Uint8Array): void => conn.sendInterleaved(channel, compound)

    /** Receiver reports and keep-alives, for as long as the session is set up (standard dialect). */
    const startUpkeep = Effect.suspend(() => {
      if (dialect === "classic") return Effect.void
      const keepAlive = options.keepAlive === false
        ? Effect.never
        : keepAliveLoop((method) => recorded(method, conn.request(method, controlUrl())), timeoutSeconds)
      const interval = options.rtcpIntervalMs ?? DEFAULT_RTCP_INTERVAL_MS
      // One fiber: the keep-alives, with every track's report timer started and stopped around them.
      const reportsAround = Effect.acquireUseRelease(
        Effect.sync(() => links.map((link) => link.rtcp.startReporting(interval, link.sendRtcp(interleave)))),
        () => keepAlive,
        (stops) => Effect.sync(() => stops.forEach((stop) => stop()))
      )
      // In the session's scope, so it ends with the session at the latest (a FiberHandle costs ~6x more per session).
      return upkeep !== undefined ? Effect.void : Effect.asVoid(Effect.tap(Effect.forkIn(reportsAround, scope), (fiber) => Effect.sync(() => (upkeep = fiber))))
    })

    const stopUpkeep = Effect.suspend(() => {
      const fiber = upkeep
      upkeep = undefined
      return fiber === undefined ? Effect.void : Fiber.interrupt(fiber)
    })

    /** The tracks to set up: the picked ones of the description, or the classic dialect's one stream. */
    const makeLinks = Effect.gen(function* () {
      if (links.length > 0) return links
      const picked = described === undefined
        ? [undefined]
        : yield* Either.match(selectTracks(described.tracks, options.tracks ?? "video"), {
          onLeft: (reason) => Effect.fail(protocolError("SETUP", reason)),
          onRight: (tracks) => Effect.succeed(tracks)
        })
      // Lip sync needs both kinds; otherwise no track keeps packet timings.
      const keepTimings = picked.some((t) => t?.kind === "audio") && picked.some((t) => t === undefined || t.kind === "video")
      links = yield* Effect.forEach(picked, (track, i) =>
        makeTrackLink({
          track,
          url: track?.url ?? options.url,
          dialect,
          expectedFps: options.expectedFps,
          epochMs,
          // The caller's frames are the primary track's.
          onFrame: i === 0 ? options.onFrame : undefined,
          onAccessUnit: i === 0 ? options.onAccessUnit : undefined,
          onPacket: firstPacket.fire,
          keepTimings,
          ssrc: ourSsrc,
          cname
        }))
      return links
    })

    const setupTcp = (link: TrackLink, index: number) =>
      recorded("SETUP", conn.setupTcp(link.url, {}, 2 * index)).pipe(
        Effect.map((result) => {
          transport = "tcp"
          link.channels = result.channels
          // The connection's own channels carry nothing else.
          link.intake.figures.expectSsrc(undefined)
          return result
        })
      )

    const setupUdp = (link: TrackLink) =>
      Effect.gen(function* () {
        const pair = yield* link.bindUdp(scope, options.bindHost ?? "0.0.0.0", options.udpBatching ?? true)
        const result = yield* recorded("SETUP", conn.setupUdp(link.url, pair.rtp.port, pair.rtcp.port))
        link.rtcpTo = result.serverPorts === undefined ? undefined : { address: target.host, port: result.serverPorts[1] }
        // A port the OS gave us may still receive an earlier owner's stream: measure only ours.
        link.intake.figures.expectSsrc(result.ssrc)
        return result
      })

    /** The server names the group and ports; we join them and report to the group. */
    const setupMulticast = (link: TrackLink, index: number) =>
      Effect.gen(function* () {
        const result = yield* recorded("SETUP", conn.setupMulticast(link.url))
        yield* link.joinGroup(scope, result, options.multicastInterface, options.udpBatching ?? true)
        // The group may carry an earlier stream too (or another server's): measure only ours, when the server says which.
        link.intake.figures.expectSsrc(result.ssrc)
        if (index === 0) multicastGroup = `${result.group}:${result.ports[0]}`
        return result
      })

    const setupTrack = (link: TrackLink, index: number) =>
      transport === "multicast"
        ? setupMulticast(link, index)
        : transport === "tcp"
        ? setupTcp(link, index)
        : setupUdp(link).pipe(
          Effect.catchIf(
            // Only the first track may switch the session to TCP: the others follow it.
            (error): error is RtspClientError => index === 0 && policy.onUnsupportedTransport && isUnsupportedTransport(error),
            () => {
              fallback = UNSUPPORTED_TRANSPORT_REASON
              return setupTcp(link, index)
            }
          )
        )

    /** SETUP of every track in turn, the later ones in the session the first one opened. */
    const setupAll = Effect.gen(function* () {
      const all = yield* makeLinks
      for (const [index, link] of all.entries()) {
        const result = yield* setupTrack(link, index)
        sessionId = result.sessionId
        timeoutSeconds = result.timeoutSeconds
      }
    })

    const setup: ClientSession["setup"] = Effect.gen(function* () {
      if (dialect === "standard" && described === undefined) yield* describe
      yield* setupAll
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
        transport = "tcp"
        yield* setupAll
        yield* startUpkeep
        return yield* playRequest(range)
      })

    const play: ClientSession["play"] = (range) =>
      Effect.gen(function* () {
        const first = !playedOnce
        // Start-up is measured from the first PLAY, a fallback's delay included: the viewer waits it too.
        if (first) {
          const sentMs = performance.now()
          for (const link of links) link.intake.figures.onPlaySent(sentMs)
        }
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
        conn.request(request.method, request.uri ?? controlUrl(), request.headers ?? {}, {
          ...(request.version === undefined ? {} : { version: request.version }),
          ...(request.body === undefined ? {} : { body: Buffer.from(request.body, "utf8") })
        }),
        true
      )

    /** Audio against video, when the session has both and each had a sender report. */
    const lipSync = (): number | undefined => {
      const timing = (link: TrackLink | undefined) =>
        link === undefined ? undefined : { clockRate: link.track?.clockRate ?? 0, senderClock: link.rtcp.senderClock(), samples: link.intake.figures.timingSamples() }
      const audio = timing(links.find((l) => l.track?.kind === "audio"))
      const video = timing(links.find((l) => l.track?.kind === "video"))
      return audio === undefined || video === undefined ? undefined : lipSyncOffsetMs(audio, video)
    }

    const snapshot = (): ClientSessionSnapshot => {
      const intake = primary()
      const receiver = intake.figures
      const rtcp = links[0]?.rtcp
      const lipSyncMs = lipSync()
      return {
        url: options.url,
        dialect,
        transport,
        ...(fallback === undefined ? {} : { fallback }),
        ...(multicastGroup === undefined ? {} : { multicastGroup }),
        state,
        ...(sessionId === undefined ? {} : { sessionId }),
        ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
        receiver: receiver.snapshot(),
        requests: [...requests],
        senderReports: rtcp?.senderReports() ?? 0,
        receiverReportsSent: rtcp?.receiverReportsSent() ?? 0,
        byeReceived: rtcp?.byeReceived() ?? false,
        // The receiver's frame statistics hold the arrivals already; only the epoch differs.
        frameArrivalsMs: receiver.frameArrivalsMs().map((ms) => ms - epochMs),
        frameIntervalsMs: receiver.frameIntervalsMs(),
        jitterSeries: intake.jitterSeries().map((sample) => ({ tMs: sample.tMs, jitterMs: sample.value })),
        ...(firstRtpInfo === undefined ? {} : { firstRtpInfo }),
        tracks: links.map((link) => link.snapshot()),
        ...(lipSyncMs === undefined ? {} : { lipSyncMs })
      }
    }

    return {
      options: recorded("OPTIONS", conn.request("OPTIONS", options.url)),
      describe,
      setup,
      play,
      pause,
      teardown,
      raw,
      // The stream is over when every track has said so (audio may outlast the video by a packet or two).
      awaitBye: (ms) =>
        links.length === 0
          ? Effect.succeed(false)
          : Effect.map(Effect.all(links.map((link) => link.rtcp.awaitBye(ms)), { concurrency: "unbounded" }), (byes) => byes.every(Boolean)),
      snapshot,
      live: () => ({ state, framesReceived: primary().framesSeen(), rtp: primary().figures.rtpSnapshot() })
    } satisfies ClientSession
  })
