/**
 * A streaming session: what was set up, where its packets go, and where it
 * is in the media. The record is owned by the server and mutated only by the
 * connection that made it and by its own streaming fiber.
 */
import { randomBytes, randomInt } from "node:crypto"
import type { ServedMedia } from "../media/MediaLibrary.js"
import { frameRtpTimestamp } from "../protocol/rtpJpeg.js"
import type { Dialect, SessionState, TransportKind } from "../protocol/rtsp/vocabulary.js"

/** The vocabulary word for where a session's packets go (logs, metrics). */
export const transportKind = (transport: { readonly _tag: SessionTransport["_tag"] }): TransportKind =>
  transport._tag === "Udp" ? "udp" : transport._tag === "Interleaved" ? "tcp" : "multicast"

/** A multicast group's address and ports, which every member of the group is told. */
export interface MulticastTransport {
  readonly _tag: "Multicast"
  readonly address: string
  readonly rtpPort: number
  readonly rtcpPort: number
  readonly ttl: number
}

/**
 * Where a session's packets go: a UDP destination, channels on its RTSP connection, or the
 * multicast group of its path (the group sends; the session is one of its members).
 */
export type SessionTransport =
  | { readonly _tag: "Udp"; readonly address: string; readonly rtpPort: number; readonly rtcpPort: number | undefined }
  | { readonly _tag: "Interleaved"; readonly rtpChannel: number; readonly rtcpChannel: number }
  | MulticastTransport

export interface SessionStats {
  framesSent: number
  packetsSent: number
  octetsSent: number
  framesDropped: number
  receiverReports: number
  fractionLost: number
  cumulativeLost: number
  jitterSeconds: number
}

/** What every session has, whatever it plays or records. */
export interface SessionBase {
  readonly id: string
  readonly dialect: Dialect
  readonly connectionId: number
  readonly peer: string
  /** The URL path it plays or records ("movie.Mjpeg", "live/cam"): logs and metrics. */
  readonly path: string
  /** The URL the client set up (RTP-Info names it). */
  readonly controlUrl: string
  transport: SessionTransport
  state: SessionState
  /** Next RTP sequence number (not reduced mod 2^16: the header write wraps it). */
  nextSeq: number
  readonly ssrc: number
  readonly timestampBase: number
  /** Clock millis of the last request or RTCP report: the reaper's input. */
  lastActivity: number
  lastSenderReportAt: number
  readonly stats: SessionStats
}

/** Plays a file on its own fiber, paced at the file's rate. */
export interface FileSession extends SessionBase {
  readonly kind: "file"
  readonly media: ServedMedia
  /** Absolute index of the next frame to send (it keeps growing when looping). */
  nextFrame: number
}

/** Watches a published path: the channel's frames, with this session's own SSRC, sequence numbers and timestamps. */
export interface ViewerSession extends SessionBase {
  readonly kind: "viewer"
  /** The RTP timestamp of the last frame sent (for SR and BYE), undefined before the first. */
  lastTimestamp: number | undefined
  /** Added to the channel's timestamps (mod 2^32): fixed at the first frame, so that frame carries timestampBase. */
  timestampOffset: number | undefined
}

/** Pushes a stream to a path (ANNOUNCE, SETUP with mode=record, RECORD). */
export interface PublisherSession extends SessionBase {
  readonly kind: "publisher"
}

export type Session = FileSession | ViewerSession | PublisherSession

/** Classic ids: 6 decimal digits, non-zero, as the lab client does int() on them. */
export const newClassicSessionId = (taken: (id: string) => boolean): string => {
  for (;;) {
    const id = String(randomInt(100_000, 1_000_000))
    if (!taken(id)) return id
  }
}

/** Standard ids: 128 bits of randomness, unguessable. */
export const newStandardSessionId = (): string => randomBytes(16).toString("hex").toUpperCase()

export const randomUint32 = (): number => randomBytes(4).readUInt32BE(0)
export const randomUint16 = (): number => randomBytes(2).readUInt16BE(0)

export const emptyStats = (): SessionStats => ({
  framesSent: 0,
  packetsSent: 0,
  octetsSent: 0,
  framesDropped: 0,
  receiverReports: 0,
  fractionLost: 0,
  cumulativeLost: 0,
  jitterSeconds: 0
})

/** RTP timestamp of a frame: media time on the JPEG clock from the session's random base. */
export const frameTimestamp = (session: FileSession, frameIndex: number): number =>
  frameRtpTimestamp(session.timestampBase, frameIndex, session.media.fps)

export interface NewSessionOptions {
  readonly dialect: Dialect
  readonly connectionId: number
  readonly peer: string
  readonly path: string
  readonly controlUrl: string
  readonly transport: SessionTransport
  /** Clock millis now: the session's first sign of life. */
  readonly now: number
  /** Whether a classic id is already in use (classic ids are short, so they can collide). */
  readonly isTaken: (id: string) => boolean
}

/** What a session just set up has, in READY. */
const newSessionBase = (options: NewSessionOptions): SessionBase => {
  const classic = options.dialect === "classic"
  return {
    id: classic ? newClassicSessionId(options.isTaken) : newStandardSessionId(),
    dialect: options.dialect,
    connectionId: options.connectionId,
    peer: options.peer,
    path: options.path,
    controlUrl: options.controlUrl,
    transport: options.transport,
    state: "ready",
    // Classic receivers expect 1, 2, 3 ...; standard sessions start at random points (RFC 3550).
    nextSeq: classic ? 1 : randomUint16(),
    ssrc: randomUint32(),
    timestampBase: classic ? 0 : randomUint32(),
    lastActivity: options.now,
    lastSenderReportAt: Number.NEGATIVE_INFINITY,
    stats: emptyStats()
  }
}

/** A file session just set up, in READY at the first frame. */
export const newFileSession = (options: NewSessionOptions & { readonly media: ServedMedia }): FileSession => ({
  ...newSessionBase(options),
  kind: "file",
  media: options.media,
  nextFrame: 0
})

export const newViewerSession = (options: NewSessionOptions): ViewerSession => ({
  ...newSessionBase(options),
  kind: "viewer",
  lastTimestamp: undefined,
  timestampOffset: undefined
})

export const newPublisherSession = (options: NewSessionOptions): PublisherSession => ({
  ...newSessionBase(options),
  kind: "publisher"
})
