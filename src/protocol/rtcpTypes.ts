/**
 * RTCP data model (RFC 3550 §6.4–6.6): SR, RR, SDES, BYE, and an opaque packet for every other
 * type (APP 204, RTPFB 205, PSFB 206, XR 207, ...), so a compound from any peer still decodes.
 */
import { Data } from "effect"

export const RTCP_VERSION = 2

export const RtcpPacketType = {
  SenderReport: 200,
  ReceiverReport: 201,
  SourceDescription: 202,
  Goodbye: 203,
  ApplicationDefined: 204
} as const

/** SDES item types (RFC 3550 §6.5). 0 is END and never appears as an item. */
export const SdesItemType = {
  CNAME: 1,
  NAME: 2,
  EMAIL: 3,
  PHONE: 4,
  LOC: 5,
  TOOL: 6,
  NOTE: 7,
  PRIV: 8
} as const

/** 64-bit NTP timestamp as two unsigned 32-bit halves: seconds since 1900 and the binary fraction. */
export interface NtpTimestamp {
  readonly msw: number
  readonly lsw: number
}

/** Reception report block (RFC 3550 §6.4.1), 24 bytes on the wire. */
export interface ReportBlock {
  /** SSRC of the source this block reports on. */
  readonly ssrc: number
  /** Fraction lost since the previous report, 8-bit fixed point (lost / expected * 256). */
  readonly fractionLost: number
  /** Cumulative packets lost, signed 24 bits (negative when duplicates arrive); encoding clamps. */
  readonly cumulativeLost: number
  /** Extended highest sequence number received: cycles << 16 | highest seq, unsigned 32 bits. */
  readonly highestSeq: number
  /** Interarrival jitter in timestamp units. */
  readonly jitter: number
  /** Middle 32 bits of the NTP timestamp of the last SR received (0 if none). */
  readonly lastSr: number
  /** Delay since that SR, in units of 1/65536 s. */
  readonly delaySinceLastSr: number
}

export interface SenderReport {
  readonly _tag: "SenderReport"
  readonly ssrc: number
  readonly ntpTimestamp: NtpTimestamp
  readonly rtpTimestamp: number
  readonly packetCount: number
  readonly octetCount: number
  readonly reports: ReadonlyArray<ReportBlock>
}

export interface ReceiverReport {
  readonly _tag: "ReceiverReport"
  readonly ssrc: number
  readonly reports: ReadonlyArray<ReportBlock>
}

/** One SDES item; `value` is UTF-8 text of at most 255 bytes (RFC 3550 §6.5). */
export interface SdesItem {
  readonly type: number
  readonly value: string
}

export interface SdesChunk {
  readonly ssrc: number
  readonly items: ReadonlyArray<SdesItem>
}

export interface SourceDescription {
  readonly _tag: "SourceDescription"
  readonly chunks: ReadonlyArray<SdesChunk>
}

export interface Goodbye {
  readonly _tag: "Goodbye"
  readonly ssrcs: ReadonlyArray<number>
  /** Optional UTF-8 reason, at most 255 bytes. */
  readonly reason?: string
}

/** Any packet type this codec does not model; `body` is everything after the 4-byte header, minus padding. */
export interface UnknownRtcpPacket {
  readonly _tag: "Unknown"
  readonly packetType: number
  /** The 5-bit count / subtype field. */
  readonly count: number
  readonly body: Buffer
}

export type RtcpPacket = SenderReport | ReceiverReport | SourceDescription | Goodbye | UnknownRtcpPacket

export type RtcpDecodeErrorReason =
  | "TooShort"
  | "BadVersion"
  | "BadLength"
  | "BadPadding"
  | "BadReport"
  | "BadSourceDescription"
  | "BadGoodbye"

export class RtcpDecodeError extends Data.TaggedError("RtcpDecodeError")<{
  readonly reason: RtcpDecodeErrorReason
  readonly message: string
}> {}
