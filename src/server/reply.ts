/**
 * What a handler answers, and the small pieces every handler's reply uses.
 */
import { Effect } from "effect"
import type { RtspHeaders, RtspRequest } from "../protocol/rtsp/message.js"
import { parseRequestTarget, type RequestTarget } from "../protocol/rtsp/requestTarget.js"
import type { ConnectionState, ServerContext, SessionEntry } from "./context.js"
import { buildMjpegSdp } from "../protocol/sdp.js"
import { unmapIpv4 } from "../net/address.js"
import { NoMediaPath } from "./errors.js"

export interface Reply {
  readonly status: number
  readonly headers: RtspHeaders
  readonly body?: Buffer
  /** For the classic layout's third line. */
  readonly sessionId?: string
  /** Runs once the reply is written: PLAY starts streaming only after its 200 is on the wire. */
  readonly after?: Effect.Effect<void>
}

export const ok = (headers: RtspHeaders = [], extra: Partial<Reply> = {}): Reply => ({ status: 200, headers, ...extra })

export const sessionHeaderValue = (ctx: ServerContext, entry: SessionEntry): string =>
  entry.session.dialect === "classic" ? entry.session.id : `${entry.session.id};timeout=${ctx.config.sessionTimeoutSeconds}`

export const targetOf = (req: RtspRequest): Effect.Effect<RequestTarget, NoMediaPath> => {
  const target = parseRequestTarget(req.uri)
  return target ? Effect.succeed(target) : Effect.fail(new NoMediaPath({ uri: req.uri }))
}

/** A request's path as published paths are keyed: percent-decoded; undefined when it cannot be decoded. */
export const decodedPath = (target: RequestTarget): string | undefined => {
  try {
    return decodeURIComponent(target.mediaPath)
  } catch {
    return undefined
  }
}

/** DESCRIBE's answer: one MJPEG track described for this connection, with its Content-Base. */
export const describeReply = (
  ctx: ServerContext,
  conn: ConnectionState,
  target: RequestTarget,
  stream: { readonly name: string; readonly fps: number | undefined; readonly durationSeconds: number; readonly live: boolean }
): Reply => {
  const base = target.base ?? `rtsp://${conn.socket.localAddress ?? "127.0.0.1"}:${conn.socket.localPort ?? ctx.config.port}/${target.mediaPath}/`
  const sdp = buildMjpegSdp({
    sessionId: String(Math.floor(ctx.clock.unsafeCurrentTimeMillis() / 1000)),
    host: unmapIpv4(conn.socket.localAddress ?? "0.0.0.0"),
    name: stream.name,
    control: "streamid=0",
    ...(stream.fps === undefined ? {} : { fps: stream.fps }),
    durationSeconds: stream.durationSeconds,
    live: stream.live
  })
  return ok([["Content-Base", base], ["Content-Type", "application/sdp"]], { body: Buffer.from(sdp) })
}
