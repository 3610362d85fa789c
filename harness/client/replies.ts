/**
 * What the harness reads out of RTSP replies, as pure functions: a reply in, a typed result
 * (DESCRIBE's track, SETUP's session and transport, PLAY's RTP-Info) or the RtspClientError
 * that says what is wrong with it out. No socket here; RtspClient.ts sends and waits.
 */
import { Either } from "effect"
import { isClassicSessionId } from "../../src/protocol/rtsp/classic.js"
import { type RtpInfo, parseRtpInfo } from "../../src/protocol/rtsp/headers/rtp-info.js"
import { parseSession } from "../../src/protocol/rtsp/headers/session.js"
import { formatTransport, parseTransport, type TransportSpec } from "../../src/protocol/rtsp/headers/transport.js"
import { getHeader, type RtspHeaders } from "../../src/protocol/rtsp/message.js"
import { parseSdp, type SessionDescription } from "../../src/protocol/sdp.js"
import { describeTracks, type TrackDescription } from "../../src/protocol/sdpTracks.js"
import { stripCredentials } from "./credentials.js"
import { protocolError, RtspClientError, statusError } from "./errors.js"

export interface RtspResponseInfo {
  readonly status: number
  readonly reason: string
  readonly headers: RtspHeaders
  readonly body: Buffer
  /** From writing the request to reading its response (including an auth retry). */
  readonly elapsedMs: number
}

export interface DescribeResult {
  readonly sdp: SessionDescription
  readonly contentBase: string
  /** Every RTP track, in the description's order. */
  readonly tracks: ReadonlyArray<TrackDescription>
  /** The default track's control URL (the first video track, else the first track), resolved against the content base. */
  readonly trackUrl: string
  readonly response: RtspResponseInfo
}

export interface UdpSetup {
  readonly response: RtspResponseInfo
  readonly sessionId: string
  readonly timeoutSeconds?: number
  readonly serverPorts?: readonly [number, number]
  readonly ssrc?: number
}

/** SETUP for multicast: the group and ports the server chose, which every viewer of the stream shares. */
export interface MulticastSetup {
  readonly response: RtspResponseInfo
  readonly sessionId: string
  readonly timeoutSeconds?: number
  readonly group: string
  /** RTP, RTCP. */
  readonly ports: readonly [number, number]
  readonly ttl?: number
  readonly ssrc?: number
}

export interface TcpSetup {
  readonly response: RtspResponseInfo
  readonly sessionId: string
  readonly timeoutSeconds?: number
  readonly channels: readonly [number, number]
}

export interface PlayResult extends RtspResponseInfo {
  /** Absent when the server sent no RTP-Info or it did not parse. */
  readonly rtpInfo?: RtpInfo
}

/** 2xx passes; anything else is a Status error naming the method. */
export const ensureOk = (method: string, info: RtspResponseInfo): Either.Either<RtspResponseInfo, RtspClientError> =>
  info.status >= 200 && info.status < 300 ? Either.right(info) : Either.left(statusError(method, info))

/** The SDP and its tracks; the content base falls back to Content-Location, then the URL asked for. */
export const describeReply = (url: string, info: RtspResponseInfo): Either.Either<DescribeResult, RtspClientError> => {
  const sdp = parseSdp(info.body.toString("utf8"))
  if (Either.isLeft(sdp)) return Either.left(protocolError("DESCRIBE", `bad SDP: ${sdp.left.message}`))
  const contentBase = getHeader(info.headers, "Content-Base") ?? getHeader(info.headers, "Content-Location") ?? stripCredentials(url)
  const tracks = describeTracks(sdp.right, contentBase)
  const track = tracks.find((t) => t.kind === "video") ?? tracks[0]
  if (track === undefined) return Either.left(protocolError("DESCRIBE", "SDP has no RTP track"))
  return Either.right({ sdp: sdp.right, contentBase, tracks, trackUrl: track.url, response: info })
}

/** What we ask for in SETUP: one transport spec, as the Transport header. */
export const udpTransportRequest = (rtpPort: number, rtcpPort: number): string =>
  formatTransport([{ protocol: "RTP/AVP", lowerTransport: "UDP", delivery: "unicast", clientPort: { first: rtpPort, last: rtcpPort }, extensions: [] }])
/** The server picks the group and ports, so there is nothing else to ask for. */
export const multicastTransportRequest = (): string =>
  formatTransport([{ protocol: "RTP/AVP", lowerTransport: "UDP", delivery: "multicast", extensions: [] }])
/** Interleaved on channels `first` (RTP) and `first + 1` (RTCP). */
export const tcpTransportRequest = (first = 0): string =>
  formatTransport([{ protocol: "RTP/AVP/TCP", lowerTransport: "TCP", delivery: "unicast", interleaved: { first, last: first + 1 }, extensions: [] }])

interface StandardSetup {
  readonly response: RtspResponseInfo
  readonly sessionId: string
  readonly timeoutSeconds?: number
  /** The first transport the server chose, if it named one. */
  readonly chosen: TransportSpec | undefined
}

/** A standard SETUP reply needs a Session and a Transport header that parse. */
const standardSetupReply = (info: RtspResponseInfo): Either.Either<StandardSetup, RtspClientError> => {
  const sessionValue = getHeader(info.headers, "Session")
  if (sessionValue === undefined) return Either.left(protocolError("SETUP", "SETUP reply has no Session header"))
  const parsedSession = parseSession(sessionValue)
  if (Either.isLeft(parsedSession)) return Either.left(protocolError("SETUP", parsedSession.left.message))
  const transportValue = getHeader(info.headers, "Transport")
  if (transportValue === undefined) return Either.left(protocolError("SETUP", "SETUP reply has no Transport header"))
  const transport = parseTransport(transportValue)
  if (Either.isLeft(transport)) return Either.left(protocolError("SETUP", transport.left.message))
  const timeout = parsedSession.right.timeout
  return Either.right({ response: info, sessionId: parsedSession.right.id, ...(timeout === undefined ? {} : { timeoutSeconds: timeout }), chosen: transport.right[0] })
}

/** SETUP over UDP: the session, and the server's ports and SSRC when it gave them. */
export const udpSetupReply = (info: RtspResponseInfo): Either.Either<UdpSetup, RtspClientError> =>
  Either.map(standardSetupReply(info), ({ chosen, ...rest }) => {
    const ports = chosen?.serverPort
    return {
      ...rest,
      ...(ports === undefined ? {} : { serverPorts: [ports.first, ports.last ?? ports.first + 1] as const }),
      ...(chosen?.ssrc === undefined ? {} : { ssrc: chosen.ssrc })
    }
  })

/** A 461 to a multicast SETUP, in words: there is no fallback, so the server's reason is all the user gets. */
const multicastRefused = (info: RtspResponseInfo): RtspClientError => {
  const detail = info.body.toString("utf8").trim().split(/\r?\n/)[0]?.slice(0, 200) ?? ""
  return new RtspClientError({
    reason: "Status",
    method: "SETUP",
    status: info.status,
    message: `the server refused multicast: ${info.status} ${info.reason}${detail === "" ? "" : ` (${detail})`}`
  })
}

/** SETUP for multicast: the reply, whatever its status, must be 2xx, say multicast and name the group (destination) and its port(s). */
export const multicastSetupReply = (info: RtspResponseInfo): Either.Either<MulticastSetup, RtspClientError> => {
  if (info.status === 461) return Either.left(multicastRefused(info))
  return Either.flatMap(Either.flatMap(ensureOk("SETUP", info), standardSetupReply), ({ chosen, ...rest }) => {
    const refuse = (why: string) => Either.left(protocolError("SETUP", `multicast SETUP reply ${why}: ${getHeader(info.headers, "Transport") ?? ""}`))
    if (chosen === undefined || chosen.delivery !== "multicast" || chosen.lowerTransport !== "UDP") return refuse("is not a multicast transport")
    if (chosen.destination === undefined) return refuse("names no group (destination=)")
    if (chosen.port === undefined) return refuse("names no port (port=)")
    const { first, last } = chosen.port
    return Either.right({
      ...rest,
      group: chosen.destination,
      ports: [first, last ?? first + 1] as const,
      ...(chosen.ttl === undefined ? {} : { ttl: chosen.ttl }),
      ...(chosen.ssrc === undefined ? {} : { ssrc: chosen.ssrc })
    })
  })
}

/** SETUP over TCP: the session and the interleaved channels (the ones asked for when the server names none). */
export const tcpSetupReply = (info: RtspResponseInfo, asked = 0): Either.Either<TcpSetup, RtspClientError> =>
  Either.map(standardSetupReply(info), ({ chosen, ...rest }) => {
    const channels = chosen?.interleaved
    return { ...rest, channels: channels === undefined ? ([asked, asked + 1] as const) : ([channels.first, channels.last ?? channels.first + 1] as const) }
  })

/** A classic SETUP reply carries no Transport, only a non-zero decimal Session. */
export const classicSetupReply = (info: RtspResponseInfo): Either.Either<UdpSetup, RtspClientError> => {
  const sessionValue = getHeader(info.headers, "Session")?.trim()
  if (sessionValue === undefined || !isClassicSessionId(sessionValue)) {
    return Either.left(protocolError("SETUP", `classic SETUP reply needs a non-zero decimal Session, got ${JSON.stringify(sessionValue ?? null)}`))
  }
  return Either.right({ response: info, sessionId: sessionValue })
}

/** PLAY's RTP-Info when present and parseable; the reply as it is otherwise. */
export const playReply = (info: RtspResponseInfo): PlayResult => {
  const value = getHeader(info.headers, "RTP-Info")
  const parsed = value === undefined ? undefined : parseRtpInfo(value)
  return parsed !== undefined && Either.isRight(parsed) ? { ...info, rtpInfo: parsed.right } : info
}
