/**
 * The RTSP server as a scoped layer: a TCP listener with a fiber per
 * connection, one shared UDP socket pair for RTP/RTCP, the session reaper
 * and the RTCP receiver. Closing the scope (SIGINT/SIGTERM under
 * NodeRuntime.runMain) sends BYE to every session and closes every socket.
 */
import { createServer, type Server } from "node:net"
import { FileSystem, type Path } from "@effect/platform"
import { Context, Duration, Effect, Either, FiberMap, FiberSet, Layer, Schedule, Stream } from "effect"
import * as MediaLibrary from "../media/MediaLibrary.js"
import type { Dialect, SessionState } from "../protocol/rtsp/vocabulary.js"
import { makeUdpFrameSender, type UdpSendPath } from "../net/udpFrameSender.js"
import { makeUdpSocketPair } from "../net/UdpSocket.js"
import type { ServerConfig } from "./config.js"
import type { ServerContext, SessionEntry } from "./context.js"
import { ServerStartError } from "./errors.js"
import * as FrameScheduler from "./FrameScheduler.js"
import { makeLoadTracker } from "./loadShedding.js"
import { Metrics } from "./Metrics.js"
import { closeChannel, endSession, handleClientRtcp } from "./sessionLifecycle.js"
import { impairmentLogLines, resolveImpairments } from "./impairmentProfiles.js"
import { makeImpairmentTally } from "./impairmentTally.js"
import { makeImpairmentReleaser } from "./impairmentReleaser.js"
import { liveImpairments } from "./sessionImpairment.js"
import { authLine, makeAuthGuard } from "./auth/guard.js"
import { reloadUsers } from "./auth/reload.js"
import { makeServerTask } from "./serverTask.js"
import { applyLiveSettings, type LiveChanges } from "./liveSettings.js"
import { listenScoped } from "./listening.js"
import { makeAcceptor } from "./acceptConnection.js"
import { makeSlicedScheduler } from "./connectionScheduler.js"
import { makeAddressBook, overBuffered } from "./addressLimits.js"
import { listenTls } from "./tls.js"
import { makeMulticastGroups, multicastMetrics, playingMembers } from "./multicast/groups.js"
import { livePath } from "./liveChannel.js"
import { LOOPBACK_RANGES, parseAddressRanges } from "../net/addressRanges.js"
import { ingestPublisherPacket } from "./relay/publisherIngest.js"
import { silentPublishers } from "./relay/publisherTimeout.js"
import { publishedMetrics } from "./relay/channel.js"
import { type PublishError, publishJpegStream, publishRtpStream } from "./relay/publishFromCode.js"

export interface SessionSummary {
  readonly id: string
  readonly dialect: Dialect
  readonly state: SessionState
  readonly media: string
  readonly framesSent: number
  readonly framesDropped: number
}

export interface RtspServerInfo {
  /** The bound RTSP address (port 0 in the config becomes the real port here). */
  readonly host: string
  readonly port: number
  readonly rtpPort: number
  readonly rtcpPort: number
  readonly sessions: () => ReadonlyArray<SessionSummary>
  /** Reads the users file again (SIGHUP): a bad one is logged and the one in force kept; sessions it no longer allows end. */
  readonly reloadUsers: Effect.Effect<void>
  /** Puts changed live settings (limits, allowBasicCleartext: liveSettings.ts) in force without a restart. */
  readonly reconfigure: (changes: LiveChanges) => Effect.Effect<void>
  /** The bound RTSPS port; undefined without a certificate and key. */
  readonly tlsPort: number | undefined
  /** Reads the certificate and key again (SIGHUP): a bad pair is logged and the one in force kept; open TLS connections keep theirs. */
  readonly reloadTls: Effect.Effect<void>
  /** How RTP frames leave the server now (the fast path can fall back while running). */
  readonly udpSendPath: () => UdpSendPath
  /**
   * Publishes whole JPEG frames under `path` while the stream runs (each stamped as it arrives, so
   * the stream's pace is the frame rate); viewers play rtsp://host:port/<path>. Needs no --publish.
   */
  readonly publishJpegStream: <E, R>(path: string, frames: Stream.Stream<Uint8Array, E, R>) => Effect.Effect<void, PublishError | E, R>
  /** The same from RTP/JPEG packets (RFC 2435) with their own timestamps. */
  readonly publishRtpStream: <E, R>(path: string, packets: Stream.Stream<Uint8Array, E, R>, payloadType?: number) => Effect.Effect<void, PublishError | E, R>
}

export const describeSendPath = (path: UdpSendPath): string =>
  path._tag === "Gso" ? "gso (each turn's frames in one kernel call)" : `plain (one send per packet: ${path.reason})`

export class RtspServer extends Context.Tag("effect-rtsp/RtspServer")<RtspServer, RtspServerInfo>() {}

/** Standard sessions are reaped this long after their advertised timeout (half the timeout when that is shorter). */
export const REAP_GRACE_SECONDS = 10

/** How long after its last sign of life a standard session is reaped, and how often the reaper looks. */
export const reapTiming = (timeoutSeconds: number): { readonly afterMs: number; readonly everyMs: number } => ({
  afterMs: (timeoutSeconds + Math.min(REAP_GRACE_SECONDS, timeoutSeconds / 2)) * 1000,
  everyMs: Math.min(2000, (timeoutSeconds * 1000) / 2)
})


const listen = (config: ServerConfig): Effect.Effect<Server, ServerStartError, import("effect").Scope.Scope> =>
  Effect.suspend(() => listenScoped(createServer({ noDelay: true }), config.host, config.port, "on"))

/** The --live paths, each a file the library serves in the standard dialect; a bad one stops the start, naming it. */
const liveChannelsOf = (library: MediaLibrary.MediaLibrary["Type"], config: ServerConfig, nowMillis: number) =>
  Effect.gen(function* () {
    const paths = new Set<string>()
    for (const text of config.live) {
      const path = livePath(text)
      const media = yield* library.resolve(path).pipe(
        Effect.mapError((error) => new ServerStartError({ reason: "LiveChannel", message: `--live ${text}: ${error.message}`, cause: error }))
      )
      if (!media.file.standard.servable) {
        return yield* new ServerStartError({ reason: "LiveChannel", message: `--live ${text}: ${media.urlPath} cannot be served in the standard dialect (see: effect-rtsp video info)` })
      }
      paths.add(media.urlPath)
    }
    return { epochMillis: config.liveEpochMillis ?? nowMillis, paths }
  })

const multicastGroupsOf = (config: ServerConfig) =>
  Either.match(makeMulticastGroups(config.multicastRange, config.multicastPort, config.multicastTtl), {
    onLeft: (message) => Effect.fail(new ServerStartError({ reason: "Multicast", message })),
    onRight: Effect.succeed
  })

/** With multicast on, the RTP and RTCP sockets send to groups with the TTL, from the interface RTSP listens on (unless that is every interface). */
const multicastSending = (config: ServerConfig) =>
  !config.multicast
    ? {}
    : { multicastTtl: config.multicastTtl, ...(config.host === "0.0.0.0" || config.host.includes(":") ? {} : { multicastInterface: config.host }) }

export const make = (config: ServerConfig) =>
  Effect.gen(function* () {
    const library = yield* MediaLibrary.MediaLibrary
    const metrics = yield* Metrics
    const scheduler = yield* FrameScheduler.FrameScheduler
    const clock = yield* Effect.clock
    const fs = yield* FileSystem.FileSystem
    const multicast = config.multicast ? yield* multicastGroupsOf(config) : undefined
    const impairments = yield* resolveImpairments(config)
    const auth = yield* makeAuthGuard(config)
    if (auth !== undefined) yield* Effect.logInfo(authLine(config, auth.policy))
    for (const line of impairmentLogLines(config, impairments)) yield* Effect.logInfo(line)
    const udp = yield* makeUdpSocketPair({ host: config.host, port: config.rtpPort, sendBufferBytes: 4 * 1024 * 1024, ...multicastSending(config) }).pipe(
      Effect.mapError((error) => new ServerStartError({ reason: "RtpPorts", message: error.message, cause: error }))
    )
    const rtpSender = yield* makeUdpFrameSender(udp.rtp, { batching: config.udpBatching })
    metrics.readUdpSendPath(() => (rtpSender.path()._tag === "Gso" ? "gso" : "plain"))
    const streams = yield* FiberMap.make<string>()
    const live = yield* liveChannelsOf(library, config, clock.unsafeCurrentTimeMillis())
    const publishFrom = yield* Either.match(parseAddressRanges(config.publishFrom.length === 0 ? LOOPBACK_RANGES : config.publishFrom), {
      onLeft: (message) => Effect.fail(new ServerStartError({ reason: "PublishFrom", message: `--publish-from: ${message}` })),
      onRight: Effect.succeed
    })
    const limitsExempt = yield* Either.match(parseAddressRanges(config.limitsExempt), {
      onLeft: (message) => Effect.fail(new ServerStartError({ reason: "Limits", message: `--limits-exempt: ${message}` })),
      onRight: Effect.succeed
    })
    if (live.paths.size > 0) metrics.liveChannels(live.paths)
    const ctx: ServerContext = {
      config,
      live,
      library,
      metrics,
      scheduler,
      clock,
      rtp: udp.rtp,
      rtpSender,
      rtcp: udp.rtcp,
      sessions: new Map(),
      sessionsByRtcpPeer: new Map(),
      sessionsBySsrc: new Map(),
      channels: new Map(),
      publishersByRtpPeer: new Map(),
      publishFrom,
      multicast,
      impairmentProfiles: impairments.profiles,
      impairEvery: impairments.every,
      impairmentTally: makeImpairmentTally(),
      impairmentReleaser: makeImpairmentReleaser(clock),
      streams,
      auth,
      addressBook: makeAddressBook(limitsExempt),
      connections: new Set(),
      load: makeLoadTracker()
    }

    if (config.publish) metrics.readPublished(() => publishedMetrics(ctx.channels, (path) => playingMembers(multicast, path)))
    if (multicast !== undefined) metrics.readMulticast(() => multicastMetrics(multicast))
    metrics.readImpairments(() => ctx.impairmentTally.read(liveImpairments(ctx.sessions.values())))
    yield* Effect.forkScoped(ctx.impairmentReleaser.loop)

    // RTCP from UDP clients: receiver reports and keep-alive.
    yield* Stream.runForEach(udp.rtcp.messages, (message) =>
      Effect.suspend(() => handleClientRtcp(ctx, message.data, ctx.sessionsByRtcpPeer.get(`${message.address}:${message.port}`)) ?? Effect.void)
    ).pipe(Effect.forkScoped)

    // RTP from UDP publishers, by the address:port it comes from; anything else on the port is ignored.
    yield* Stream.runForEach(udp.rtp.messages, (message) => {
      const publisher = ctx.publishersByRtpPeer.get(`${message.address}:${message.port}`)
      return (publisher && ingestPublisherPacket(ctx, publisher, message.data, 0, message.data.length)) ?? Effect.void
    }).pipe(Effect.forkScoped)

    // The reaper: standard sessions that sent neither a request nor RTCP for timeout + grace.
    const reap = reapTiming(config.sessionTimeoutSeconds)
    yield* Effect.gen(function* () {
      const now = clock.unsafeCurrentTimeMillis()
      const expired: Array<SessionEntry> = []
      for (const entry of ctx.sessions.values()) {
        if (entry.session.dialect === "standard" && now - entry.session.lastActivity > reap.afterMs) expired.push(entry)
      }
      for (const entry of expired) yield* endSession(ctx, entry, "timeout")
      for (const [channel, reason] of silentPublishers(ctx, now)) yield* closeChannel(ctx, channel, reason)
      for (const conn of overBuffered(ctx)) {
        ctx.metrics.guard("limitRefusals", "buffered")
        yield* Effect.logWarning(`closing a connection whose client leaves ${conn.socket.writableLength} bytes unread (limit ${config.maxBufferedBytes})`).pipe(Effect.annotateLogs({ peer: conn.peer }))
        conn.socket.destroy()
      }
    }).pipe(Effect.repeat(Schedule.spaced(Duration.millis(reap.everyMs))), Effect.forkScoped)

    if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
      return yield* new ServerStartError({ reason: "Tls", message: "RTSPS needs both a certificate and a key (--tls-cert and --tls-key)" })
    }
    const server = yield* listen(config)
    // Connection work (both listeners') runs in short slices between the frame timers (connectionScheduler.ts).
    const runConnection = yield* FiberSet.makeRuntime<never>().pipe(Effect.withScheduler(makeSlicedScheduler()))
    // One door for both listeners: a TLS socket comes here once its handshake is done.
    const accept = makeAcceptor(ctx, runConnection)
    server.on("connection", accept)
    const tls = config.tlsCert !== undefined && config.tlsKey !== undefined
      ? yield* listenTls({
        host: config.host,
        port: config.tlsPort,
        files: { certFile: config.tlsCert, keyFile: config.tlsKey },
        fs,
        metrics,
        maxConnections: config.maxConnections,
        clock,
        run: runConnection,
        accept
      })
      : undefined
    // Runs first when the scope closes: BYE to every session while sockets are still open.
    yield* Effect.addFinalizer(() =>
      Effect.forEach([...ctx.sessions.values()], (entry) => endSession(ctx, entry, "server shutdown"), { discard: true }))

    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : config.port
    yield* Effect.logInfo(`UDP send path: ${describeSendPath(rtpSender.path())}`)
    const scan = yield* library.scan
    for (const media of scan.servable) {
      const dialects = [media.file.standard.servable ? "standard" : "", media.file.classic.servable ? "classic" : ""].filter(Boolean).join(" and ")
      yield* Effect.logInfo(`serving rtsp://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${port}/${media.urlPath} (${media.file.frames.length} frames, ${media.fps} fps, ${dialects})`)
      if (tls !== undefined && media.file.standard.servable) {
        yield* Effect.logInfo(`serving rtsps://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${tls.port}/${media.urlPath} (RTP interleaved in the TLS connection)`)
      }
    }
    for (const refused of scan.refused) yield* Effect.logWarning(`not serving ${refused.urlPath}: ${refused.reason}`)

    return RtspServer.of({
      host: config.host,
      port,
      rtpPort: udp.rtp.port,
      rtcpPort: udp.rtcp.port,
      udpSendPath: rtpSender.path,
      reloadUsers: yield* makeServerTask(reloadUsers(ctx)),
      reconfigure: (changes) => Effect.sync(() => applyLiveSettings(ctx, changes)),
      tlsPort: tls?.port,
      reloadTls: yield* makeServerTask(tls?.reload ?? Effect.void),
      publishJpegStream: (path, frames) => publishJpegStream(ctx, path, frames),
      publishRtpStream: (path, packets, payloadType) => publishRtpStream(ctx, path, packets, payloadType),
      sessions: () => [...ctx.sessions.values()].map((entry) => ({
        id: entry.session.id,
        dialect: entry.session.dialect,
        state: entry.session.state,
        media: entry.session.path,
        framesSent: entry.session.stats.framesSent,
        framesDropped: entry.session.stats.framesDropped
      }))
    })
  })

/** The server with its media library and scheduler; needs a FileSystem, Path and Metrics. */
export const layer = (config: ServerConfig): Layer.Layer<RtspServer, ServerStartError, FileSystem.FileSystem | Path.Path | Metrics> =>
  Layer.scoped(RtspServer, make(config)).pipe(
    Layer.provide(MediaLibrary.layer({ root: config.mediaRoot, mtu: config.mtu, fps: config.fps })),
    Layer.provide(FrameScheduler.layer)
  )
