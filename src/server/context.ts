/**
 * What the connection handlers share inside one running server: the
 * configuration, the services, the UDP sockets and the live sessions.
 */
import type { Socket } from "node:net"
import type { Clock, FiberMap } from "effect"
import type { MediaLibrary } from "../media/MediaLibrary.js"
import type { UdpFrameSender } from "../net/udpFrameSender.js"
import type { UdpSocket } from "../net/UdpSocket.js"
import type { ServerConfig } from "./config.js"
import type { AddressRanges } from "../net/addressRanges.js"
import type { FrameScheduler } from "./FrameScheduler.js"
import type { ServerMetrics } from "./Metrics.js"
import type { LoadTracker } from "./loadShedding.js"
import type { PacketSink } from "./rtpSender.js"
import type { Dialect } from "../protocol/rtsp/vocabulary.js"
import type { FileSession, PublisherSession, Session, ViewerSession } from "./session.js"
import type { PublishedChannel } from "./relay/channel.js"
import type { LiveChannels } from "./liveChannel.js"
import type { MulticastGroups } from "./multicast/groups.js"
import type { ImpairmentProfile } from "../impair/profile.js"
import type { ImpairedSink } from "./impairedSink.js"
import type { ImpairmentTally } from "./impairmentTally.js"
import type { ImpairmentReleaser } from "./impairmentReleaser.js"
import type { AuthGuard, Login } from "./auth/guard.js"
import type { AddressBook } from "./addressLimits.js"

export interface ConnectionState {
  readonly id: number
  readonly socket: Socket
  /** The peer's IP (IPv4-mapped IPv6 unwrapped): where UDP packets go. */
  readonly peer: string
  /** The connection is RTSPS (RTSP inside TLS). */
  readonly secure: boolean
  dialect: Dialect | undefined
  readonly sessionIds: Set<string>
  /** Next free interleaved channel pair on this connection. */
  nextChannel: number
  /** Paths this connection announced (ANNOUNCE), held for it until it records or closes. */
  readonly announced: Set<string>
  /** The impairment each path's DESCRIBE asked for on this connection, for its SETUP (sessionImpairment.ts). */
  readonly impairments: Map<string, ImpairmentProfile>
  /** Who set up each path's session here and for what (auth/gate.ts), so a reloaded users file can end what it no longer allows. */
  readonly logins: Map<string, Login>
  /** A SETUP of this connection holds a reserved session slot (addressLimits.ts). */
  holdsSessionSlot: boolean
  /** Bytes the client has sent: a connection that sent none is the first closed when the server nears --max-connections. */
  bytesIn: number
  /** When it was accepted (clock millis). */
  readonly openedAt: number
}

export interface SessionEntry<S extends Session = Session> {
  readonly session: S
  sink: PacketSink
  readonly connection: ConnectionState
  /** The key this UDP session has in `sessionsByRtcpPeer`, so it can be unindexed without a scan. */
  rtcpPeerKey: string | undefined
  /** Set once the session has been torn down, so BYE and cleanup happen once. */
  ended: boolean
  /** The session's impairment, when it has one: `sink` is then its impaired sink. */
  impairment: ImpairedSink | undefined
}

export interface ServerContext {
  /** Replaced as a whole when a reload changes a live setting (liveSettings.ts): read it at use, never keep it. */
  config: ServerConfig
  /** The --live channels and their one clock. */
  readonly live: LiveChannels
  readonly library: MediaLibrary["Type"]
  readonly metrics: ServerMetrics
  readonly scheduler: FrameScheduler["Type"]
  readonly clock: Clock.Clock
  readonly rtp: UdpSocket
  /** How RTP frames leave `rtp`: many frames per kernel call (GSO in sendmmsg) or one send per packet. */
  readonly rtpSender: UdpFrameSender
  readonly rtcp: UdpSocket
  readonly sessions: Map<string, SessionEntry>
  /** UDP sessions by the address:port their RTCP comes from. */
  readonly sessionsByRtcpPeer: Map<string, SessionEntry>
  readonly sessionsBySsrc: Map<number, SessionEntry>
  /** Published paths (ANNOUNCE/RECORD), by URL path. */
  readonly channels: Map<string, PublishedChannel>
  /** Who may publish (--publish-from, loopback by default). */
  readonly publishFrom: AddressRanges
  /** UDP publishers by the address:port their RTP comes from. */
  readonly publishersByRtpPeer: Map<string, SessionEntry<PublisherSession>>
  /** Impairment profiles by name: the built-ins (and a profiles file's). */
  readonly impairmentProfiles: ReadonlyMap<string, ImpairmentProfile>
  /** The impairment of every session that asks for none (config `impair`). */
  readonly impairEvery: ImpairmentProfile | undefined
  /** What impairments did, by profile, for /metrics. */
  readonly impairmentTally: ImpairmentTally
  /** Sends what impairments delay, for every session. */
  readonly impairmentReleaser: ImpairmentReleaser
  /** Multicast groups of live paths; undefined with --multicast off. */
  readonly multicast: MulticastGroups | undefined
  /** The streaming fiber of each playing session, keyed by session id. */
  readonly streams: FiberMap.FiberMap<string>
  /** Users, rules, nonces and the failure throttle; undefined without a users file (every path open). */
  readonly auth: AuthGuard | undefined
  /** What each client address holds, and the session slots reserved. */
  readonly addressBook: AddressBook
  /** Open connections, oldest first. */
  readonly connections: Set<ConnectionState>
  /** How late frames go out, all sessions together: new sessions are refused when the server falls behind. */
  readonly load: LoadTracker
}

export const isFileEntry = (entry: SessionEntry): entry is SessionEntry<FileSession> => entry.session.kind === "file"
export const isViewerEntry = (entry: SessionEntry): entry is SessionEntry<ViewerSession> => entry.session.kind === "viewer"
export const isPublisherEntry = (entry: SessionEntry): entry is SessionEntry<PublisherSession> => entry.session.kind === "publisher"
