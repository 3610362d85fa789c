/**
 * The shapes of a harness ClientSession: what it is asked to do (options), what it offers
 * (the ClientSession interface) and what it reports (snapshot, live counters). Types only.
 */
import type { Effect } from "effect"
import type { UdpSocketError } from "../../src/net/UdpSocket.js"
import type { Dialect, SessionState, TransportKind } from "../../src/protocol/rtsp/vocabulary.js"
import type { DescribeResult, PlayResult, RtspClientError, RtspResponseInfo, WireExchange } from "../client/RtspClient.js"
import type { TrackCodec, TrackSelector } from "../../src/protocol/sdpTracks.js"
import type { RtpStatsSnapshot } from "../metrics/rtpStats.js"
import type { ReceivedFrame, ReceiverSnapshot } from "../receiver/mjpegReceiver.js"
import type { NalFigures, OnAccessUnit } from "../receiver/nalReceiver.js"

/** The RFC 2326 states, plus "closed" once torn down or the connection is lost. */
export type ClientSessionState = SessionState | "closed"

export interface ClientSessionOptions {
  readonly url: string
  readonly transport?: TransportKind
  readonly dialect?: Dialect
  /** Which of the described tracks to set up (default "video": the first video track). Standard dialect only. */
  readonly tracks?: TrackSelector
  /** Per request and for connecting (default 5 s). */
  readonly timeoutMs?: number
  readonly username?: string
  readonly password?: string
  /** rtsps:// URLs: do not verify the server's certificate (self-signed test servers). */
  readonly insecure?: boolean
  /** UDP: after the first PLAY, no packet for this long switches to TCP (default 3000; 0 = never). A 461 to SETUP always does. */
  readonly udpFallbackMs?: number
  /** UDP: read RTP through the thread's batched receiver (recvmmsg, UDP_GRO) where it is built (default true); false: node:dgram. */
  readonly udpBatching?: boolean
  /** For the RTP timestamp step check (one frame = JPEG_CLOCK_RATE / fps ticks). */
  readonly expectedFps?: number
  /** Receiver reports every this many ms while set up (default 5000; standard dialect only). */
  readonly rtcpIntervalMs?: number
  /** Sends GET_PARAMETER (or OPTIONS) at half the advertised session timeout (default true). */
  readonly keepAlive?: boolean
  /** Local address for the RTP/RTCP ports (default 0.0.0.0); not for multicast, whose ports bind the group. */
  readonly bindHost?: string
  /** Multicast: the local interface address that joins the group (default: the route to the group's). */
  readonly multicastInterface?: string
  /** Called for every complete frame of an MJPEG primary track, in order, from the socket callback: keep it cheap. */
  readonly onFrame?: (frame: ReceivedFrame, index: number) => void
  /** Called for every whole access unit with a picture of an H.264/H.265 primary track, likewise. */
  readonly onAccessUnit?: OnAccessUnit
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

/** One track's figures: what the description said of it, and what arrived. */
export interface TrackSnapshot {
  readonly kind: string
  /** The `a=control:` as written ("" for the classic dialect's stream, or when the line had none). */
  readonly control: string
  readonly url: string
  readonly encoding: string
  readonly codec: TrackCodec
  readonly clockRate: number
  /** Audio channels, when the rtpmap gives them. */
  readonly channels?: number
  readonly receiver: ReceiverSnapshot
  readonly senderReports: number
  readonly byeReceived: boolean
  /** H.264/H.265 tracks: parameter sets, SPS, keyframes, GOP, broken access units. */
  readonly nal?: NalFigures
}

export interface ClientSessionSnapshot {
  readonly url: string
  readonly dialect: Dialect
  /** What is in use now: "tcp" after a fallback. */
  readonly transport: TransportKind
  readonly fallback?: string
  /** Multicast: the primary track's group and RTP port, e.g. "239.255.42.1:8002". */
  readonly multicastGroup?: string
  readonly state: ClientSessionState
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
  /** Every track set up, the primary one first (the figures above are its own). */
  readonly tracks: ReadonlyArray<TrackSnapshot>
  /** With audio and video: the audio's delay minus the video's, from their sender reports (see lipSync.ts). */
  readonly lipSyncMs?: number
}

export interface RawRequest {
  readonly method: string
  readonly uri?: string
  readonly headers?: Record<string, string>
  readonly version?: string
  /** Sent as UTF-8 (Content-Length added); standard dialect only. */
  readonly body?: string
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
  /** Waits up to `ms` for an RTCP BYE on every track (end of stream); true if they all came. */
  readonly awaitBye: (ms: number) => Effect.Effect<boolean>
  readonly snapshot: () => ClientSessionSnapshot
  /** Cheap counters for live progress. */
  readonly live: () => LiveCounters
}

export interface LiveCounters {
  readonly state: ClientSessionState
  readonly framesReceived: number
  readonly rtp: RtpStatsSnapshot
}
