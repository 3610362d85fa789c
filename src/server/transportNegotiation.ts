/**
 * SETUP's transport negotiation: pick the first of the client's Transport
 * specs this server can do (UDP unicast, interleaved channels free on the
 * connection, or the path's multicast group where the path is live), build
 * the packet sink for it, and write the reply's Transport.
 */
import { Effect, Either } from "effect"
import type { ServedMedia } from "../media/MediaLibrary.js"
import { formatTransportSpec, parseTransport, type TransportMode, type TransportSpec } from "../protocol/rtsp/headers/transport.js"
import type { ConnectionState, ServerContext, SessionEntry } from "./context.js"
import { MalformedHeader, UnsupportedTransport } from "./errors.js"
import { interleavedSink, type PacketSink, udpSink } from "./rtpSender.js"
import type { MulticastTransport, Session, SessionTransport } from "./session.js"

/** The Transport header's specs, or why there are none to choose from. */
export const parseTransportHeader = (
  value: string | undefined
): Effect.Effect<ReadonlyArray<TransportSpec>, UnsupportedTransport | MalformedHeader> => {
  if (value === undefined) return Effect.fail(new UnsupportedTransport({ reason: "Missing", message: "SETUP without a Transport header" }))
  const specs = parseTransport(value)
  if (Either.isRight(specs)) return Effect.succeed(specs.right)
  return Effect.fail(
    specs.left.reason === "Unsupported"
      ? new UnsupportedTransport({ reason: "Unsupported", message: specs.left.message })
      : new MalformedHeader({ header: "Transport", message: specs.left.message })
  )
}

/** Interleaved channels already taken by the connection's other sessions. */
const channelsInUse = (ctx: ServerContext, conn: ConnectionState, except: SessionEntry | undefined): Set<number> => {
  const used = new Set<number>()
  for (const id of conn.sessionIds) {
    const t = ctx.sessions.get(id)?.session.transport
    if (!t || ctx.sessions.get(id) === except || t._tag !== "Interleaved") continue
    used.add(t.rtpChannel).add(t.rtcpChannel)
  }
  return used
}

/** Why a UDP SETUP over RTSPS is refused, and what to do instead. */
export const UDP_OVER_TLS =
  "RTP over UDP would leave the TLS connection unencrypted: over RTSPS use RTP/AVP/TCP (interleaved), or start the server with --allow-udp-with-tls"

/** The client asked for multicast and may have it: the caller joins the path's group. */
export interface MulticastRequest {
  readonly _tag: "MulticastRequest"
}

/** A unicast transport, or a request to join the path's multicast group. */
export type TransportChoice = Exclude<SessionTransport, MulticastTransport> | MulticastRequest

/**
 * The first transport in the client's list that this server can do. `multicastRefusal` says why
 * this SETUP may not have multicast (undefined: it may), for the 461 when nothing else was offered.
 */
export const chooseTransport = (
  ctx: ServerContext,
  conn: ConnectionState,
  specs: ReadonlyArray<TransportSpec>,
  existing: SessionEntry | undefined,
  multicastRefusal: string | undefined
): Effect.Effect<TransportChoice, UnsupportedTransport> => {
  // Over RTSPS, RTP over UDP would travel outside the TLS connection, readable by anyone on the path.
  const udpRefused = conn.secure && !ctx.config.allowUdpWithTls
  for (const spec of specs) {
    if (udpRefused && spec.lowerTransport !== "TCP") continue
    if (spec.delivery === "multicast") {
      if (multicastRefusal === undefined && spec.lowerTransport === "UDP") return Effect.succeed({ _tag: "MulticastRequest" })
      continue
    }
    if (spec.lowerTransport === "TCP") {
      const used = channelsInUse(ctx, conn, existing)
      let first = spec.interleaved?.first ?? conn.nextChannel
      let second = spec.interleaved?.last ?? first + 1
      // Channels another session of this connection already uses: answer with a free pair instead.
      if (used.has(first) || used.has(second)) {
        first = conn.nextChannel
        while (used.has(first) || used.has(first + 1)) first += 2
        second = first + 1
      }
      if (second > 255) {
        return Effect.fail(new UnsupportedTransport({ reason: "NoFreeChannel", message: "no free interleaved channel pair on this connection" }))
      }
      return Effect.succeed({ _tag: "Interleaved", rtpChannel: first, rtcpChannel: second })
    }
    if (spec.clientPort !== undefined) {
      const rtpPort = spec.clientPort.first
      // The classic client gives one port and wants no RTCP.
      const rtcpPort = spec.protocol === "RTP/UDP" ? undefined : spec.clientPort.last ?? rtpPort + 1
      if (rtpPort === 0) continue
      return Effect.succeed({ _tag: "Udp", address: conn.peer, rtpPort, rtcpPort })
    }
  }
  if (udpRefused && specs.some((s) => s.lowerTransport !== "TCP")) {
    return Effect.fail(new UnsupportedTransport({ reason: "UdpOverTls", message: UDP_OVER_TLS }))
  }
  return Effect.fail(
    specs.some((s) => s.delivery === "multicast")
      ? new UnsupportedTransport({ reason: "Multicast", message: multicastRefusal ?? "multicast travels over UDP, not TCP" })
      : new UnsupportedTransport({ reason: "NoClientPort", message: "no usable transport: give client_port for UDP or use RTP/AVP/TCP" })
  )
}

/** A transport for a session that cannot be multicast (`refusal` says why, for the 461). */
export const chooseUnicastTransport = (
  ctx: ServerContext,
  conn: ConnectionState,
  specs: ReadonlyArray<TransportSpec>,
  existing: SessionEntry | undefined,
  refusal: string
): Effect.Effect<Exclude<SessionTransport, MulticastTransport>, UnsupportedTransport> =>
  Effect.flatMap(chooseTransport(ctx, conn, specs, existing, refusal), (choice) =>
    choice._tag === "MulticastRequest" ? Effect.fail(new UnsupportedTransport({ reason: "Multicast", message: refusal })) : Effect.succeed(choice))

/** Allowance for RFC 2435 headers and quantization tables on top of the largest frame's bytes. */
const PER_FRAME_OVERHEAD_BYTES = 64 * 16

/** The bytes a file's largest frame takes on the wire: what a TCP session's queue is sized by. */
export const largestFrameOf = (media: ServedMedia): number => media.file.frameBytes.max + PER_FRAME_OVERHEAD_BYTES

/**
 * Where a session's packets go; a TCP session queues up to `tcpQueueFrames` frames of
 * `largestFrameBytes`. A multicast member's sink sends nothing: its group sends for all members.
 */
export const sinkFor = (ctx: ServerContext, conn: ConnectionState, largestFrameBytes: number, transport: SessionTransport): PacketSink => {
  if (transport._tag === "Udp") return udpSink(ctx.rtpSender, ctx.rtcp, transport.address, transport.rtpPort, transport.rtcpPort)
  if (transport._tag === "Multicast") return MEMBER_SINK
  return interleavedSink(conn.socket, transport.rtpChannel, transport.rtcpChannel, ctx.config.tcpQueueFrames * largestFrameBytes)
}

const MEMBER_SINK: PacketSink = { headerBuffer: (bytes) => Buffer.alloc(bytes), sendFrame: () => true, sendRtcp: () => {} }

/** The reply's Transport: what was chosen, with our server ports and the session's SSRC. */
export const transportReply = (ctx: ServerContext, session: Session, mode?: TransportMode): string => {
  const t = session.transport
  // A publisher's SSRC is its own, not ours: the reply names none.
  const ssrc = session.kind === "publisher" ? {} : { ssrc: session.ssrc }
  const modeField = mode === undefined ? {} : { mode }
  if (t._tag === "Interleaved") {
    return formatTransportSpec({ protocol: "RTP/AVP/TCP", lowerTransport: "TCP", delivery: "unicast", interleaved: { first: t.rtpChannel, last: t.rtcpChannel }, ...ssrc, ...modeField, extensions: [] })
  }
  if (t._tag === "Multicast") {
    // The SSRC is the group's: every member receives the one stream.
    const groupSsrc = ctx.multicast?.byPath.get(session.path)?.stream.session.ssrc
    return formatTransportSpec({
      protocol: "RTP/AVP",
      lowerTransport: "UDP",
      delivery: "multicast",
      destination: t.address,
      port: { first: t.rtpPort, last: t.rtcpPort },
      ttl: t.ttl,
      ...(groupSsrc === undefined ? {} : { ssrc: groupSsrc }),
      ...modeField,
      extensions: []
    })
  }
  return formatTransportSpec({
    protocol: "RTP/AVP",
    lowerTransport: "UDP",
    delivery: "unicast",
    clientPort: t.rtcpPort === undefined ? { first: t.rtpPort } : { first: t.rtpPort, last: t.rtcpPort },
    serverPort: { first: ctx.rtp.port, last: ctx.rtcp.port },
    ...ssrc,
    ...modeField,
    extensions: []
  })
}
