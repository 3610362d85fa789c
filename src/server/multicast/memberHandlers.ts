/**
 * SETUP, PLAY and PAUSE of a multicast member: a session of a live path's group. SETUP makes the
 * member (the group opens with its first); PLAY says it watches and answers where the group's
 * stream is; PAUSE says it no longer does (the group keeps sending while another member plays,
 * since a group cannot stop for one receiver).
 */
import { Effect, Either } from "effect"
import type { RtspRequest } from "../../protocol/rtsp/message.js"
import { getHeader } from "../../protocol/rtsp/message.js"
import { parseRange } from "../../protocol/rtsp/headers/range.js"
import { formatRtpInfo } from "../../protocol/rtsp/headers/rtp-info.js"
import type { Dialect } from "../../protocol/rtsp/vocabulary.js"
import type { ConnectionState, ServerContext, SessionEntry } from "../context.js"
import { MalformedHeader, StreamNotFound, UnsupportedTransport } from "../errors.js"
import { ok, sessionHeaderValue } from "../reply.js"
import { newFileSession, newViewerSession, type Session, transportKind } from "../session.js"
import { openSession, sessionOptions } from "../sessionLifecycle.js"
import { sinkFor, type TransportChoice } from "../transportNegotiation.js"
import { groupFor, groupLabel, groupOf, type GroupSource, pauseMember, playMember } from "./groups.js"

/** Why this SETUP may not be multicast, or undefined when it may (the path is live: a --live channel or a published path). */
export const multicastRefusal = (ctx: ServerContext, dialect: Dialect, notLive: string | undefined): string | undefined => {
  if (ctx.multicast === undefined) return "multicast is off on this server: use unicast UDP or TCP interleaved"
  if (dialect === "classic") return "the classic dialect has no multicast: use unicast UDP"
  return notLive
}

/** Whether a new session on `path` makes the server send more: not when it joins a multicast group already open. */
export const addsStream = (ctx: ServerContext, choice: TransportChoice, path: string): boolean =>
  choice._tag !== "MulticastRequest" || ctx.multicast?.byPath.has(path) !== true

/** A file that is not a live channel plays from its start for each viewer, which no group can do. */
export const notLiveRefusal = (path: string): string =>
  `${path} plays from its start for each viewer; multicast serves live channels (--live) and published paths: use unicast UDP or TCP interleaved`

/** Makes a member of the group of `source`'s path (opening the group with its first member). */
export const setupMember = (ctx: ServerContext, conn: ConnectionState, req: RtspRequest, path: string, source: GroupSource, dialect: Dialect) =>
  Effect.gen(function* () {
    const groups = ctx.multicast
    if (groups === undefined) return yield* new UnsupportedTransport({ reason: "Multicast", message: "multicast is off on this server" })
    const group = yield* groupFor(ctx, groups, path, source)
    const options = sessionOptions(ctx, conn, req.uri, group.transport, path, dialect)
    const session: Session = source._tag === "File" ? newFileSession({ ...options, media: source.media }) : newViewerSession(options)
    const entry = openSession(ctx, conn, session, sinkFor(ctx, conn, 0, group.transport))
    group.members.add(entry)
    yield* Effect.logInfo("multicast member set up").pipe(Effect.annotateLogs({
      session: session.id, peer: session.peer, transport: transportKind(group.transport), path, group: groupLabel(group), members: group.members.size
    }))
    return entry
  })

const groupGone = (entry: SessionEntry) =>
  new StreamNotFound({ message: `the multicast group of ${entry.session.path} is closed (its publisher is gone)` })

/** PLAY of a member: from the live edge, whatever the Range (a malformed one is still refused). */
export const playMemberReply = (ctx: ServerContext, req: RtspRequest, entry: SessionEntry) =>
  Effect.gen(function* () {
    const rangeHeader = getHeader(req.headers, "Range")
    const range = rangeHeader === undefined ? undefined : parseRange(rangeHeader)
    if (range !== undefined && Either.isLeft(range)) return yield* new MalformedHeader({ header: "Range", message: range.left.message })
    const group = groupOf(ctx, entry)
    if (group === undefined) return yield* groupGone(entry)
    const { position, after } = yield* playMember(ctx, group, entry)
    const headers = [
      ["Session", sessionHeaderValue(ctx, entry)],
      ["Range", "npt=now-"],
      ["RTP-Info", formatRtpInfo([{ url: entry.session.controlUrl, seq: position.seq, rtptime: position.rtptime }])]
    ] as const
    return ok(headers, { sessionId: entry.session.id, after })
  })

/** PAUSE of a member: answered 200 even after its group closed, as a detached viewer's is. */
export const pauseMemberReply = (ctx: ServerContext, entry: SessionEntry) =>
  Effect.gen(function* () {
    const group = groupOf(ctx, entry)
    if (group === undefined) entry.session.state = "ready"
    else yield* pauseMember(ctx, group, entry)
    return ok([["Session", sessionHeaderValue(ctx, entry)]], { sessionId: entry.session.id })
  })
