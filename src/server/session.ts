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
export const transportKind = (transport: { readonly _tag: "Udp" | "Interleaved" }): TransportKind =>
  transport._tag === "Udp" ? "udp" : "tcp"

/** Where a session's packets go: a UDP destination, or channels on its RTSP connection. */
export type SessionTransport =
  | { readonly _tag: "Udp"; readonly address: string; readonly rtpPort: number; readonly rtcpPort: number | undefined }
  | { readonly _tag: "Interleaved"; readonly rtpChannel: number; readonly rtcpChannel: number }

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

export interface Session {
  readonly id: string
  readonly dialect: Dialect
  readonly connectionId: number
  readonly peer: string
  readonly media: ServedMedia
  /** The URL the client set up (RTP-Info names it). */
  readonly controlUrl: string
  transport: SessionTransport
  state: SessionState
  /** Absolute index of the next frame to send (it keeps growing when looping). */
  nextFrame: number
  /** Next RTP sequence number (not reduced mod 2^16: the header write wraps it). */
  nextSeq: number
  readonly ssrc: number
  readonly timestampBase: number
  /** Clock millis of the last request or RTCP report: the reaper's input. */
  lastActivity: number
  lastSenderReportAt: number
  readonly stats: SessionStats
}

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
export const frameTimestamp = (session: Session, frameIndex: number): number =>
  frameRtpTimestamp(session.timestampBase, frameIndex, session.media.fps)

export interface NewSessionOptions {
  readonly dialect: Dialect
  readonly connectionId: number
  readonly peer: string
  readonly media: ServedMedia
  readonly controlUrl: string
  readonly transport: SessionTransport
  /** Clock millis now: the session's first sign of life. */
  readonly now: number
  /** Whether a classic id is already in use (classic ids are short, so they can collide). */
  readonly isTaken: (id: string) => boolean
}

/** A session just set up, in READY at the first frame. */
export const newSession = (options: NewSessionOptions): Session => {
  const classic = options.dialect === "classic"
  return {
    id: classic ? newClassicSessionId(options.isTaken) : newStandardSessionId(),
    dialect: options.dialect,
    connectionId: options.connectionId,
    peer: options.peer,
    media: options.media,
    controlUrl: options.controlUrl,
    transport: options.transport,
    state: "ready",
    nextFrame: 0,
    // Classic receivers expect 1, 2, 3 ...; standard sessions start at random points (RFC 3550).
    nextSeq: classic ? 1 : randomUint16(),
    ssrc: randomUint32(),
    timestampBase: classic ? 0 : randomUint32(),
    lastActivity: options.now,
    lastSenderReportAt: Number.NEGATIVE_INFINITY,
    stats: emptyStats()
  }
}
