/**
 * What a handler answers, and the small pieces every handler's reply uses.
 */
import { Effect } from "effect"
import type { RtspHeaders, RtspRequest } from "../protocol/rtsp/message.js"
import { parseRequestTarget, type RequestTarget } from "../protocol/rtsp/requestTarget.js"
import type { ServerContext, SessionEntry } from "./context.js"
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
