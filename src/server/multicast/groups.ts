/**
 * Multicast delivery (RFC 2326 §12.39): one group per live path while anyone watches it. The
 * group has one stream, with its own SSRC, sequence numbers and timestamps, sent once to the
 * group's address however many members it has. Each member is an RTSP session whose PLAY and
 * PAUSE say whether it watches: the group sends while a member plays. When its last member
 * goes, the group says BYE to the group's address and its address is free again.
 *
 * A live file channel's group stream is a file session of the server's own on its own fiber;
 * a published path's is a viewer of the path's fan-out (relay/channel.ts), fed by the relay.
 */
import { Effect, Either } from "effect"
import { freeSlot, groupCapacity, groupEndpoint, type MulticastRange, parseMulticastRange } from "../../net/multicastRange.js"
import type { ServedMedia } from "../../media/MediaLibrary.js"
import type { ServerContext, SessionEntry } from "../context.js"
import type { MulticastGroupMetrics } from "../Metrics.js"
import { UnsupportedTransport } from "../errors.js"
import { startStream, stopStream } from "../fileStream.js"
import { liveJoinFrame } from "../liveChannel.js"
import { nextViewerTimestamp, type PublishedChannel, viewerSenderReport } from "../relay/channel.js"
import { type PacketSink, senderReport, udpSink } from "../rtpSender.js"
import {
  type FileSession,
  frameTimestamp,
  type MulticastTransport,
  newFileSession,
  newViewerSession,
  type NewSessionOptions,
  type ViewerSession
} from "../session.js"

/** The group's one stream, and where it goes. */
export type GroupStream =
  | { readonly kind: "file"; readonly session: FileSession; readonly sink: PacketSink }
  | { readonly kind: "published"; readonly session: ViewerSession; readonly sink: PacketSink; readonly channel: PublishedChannel }

export interface MulticastGroup {
  readonly path: string
  readonly slot: number
  readonly transport: MulticastTransport
  /** Every session set up on the group, playing or not. */
  readonly members: Set<SessionEntry>
  readonly stream: GroupStream
}

/** The groups of one server: where they come from, and those in use by path. */
export interface MulticastGroups {
  readonly range: MulticastRange
  readonly basePort: number
  readonly ttl: number
  readonly capacity: number
  readonly byPath: Map<string, MulticastGroup>
}

/** The server's groups for its config, or why the config names no usable range. */
export const makeMulticastGroups = (range: string, basePort: number, ttl: number): Either.Either<MulticastGroups, string> =>
  Either.flatMap(parseMulticastRange(range), (parsed) => {
    const capacity = groupCapacity(parsed, basePort)
    if (capacity === 0) return Either.left(`--multicast-range ${parsed.text} with --multicast-port ${basePort} leaves no group`)
    return Either.right({ range: parsed, basePort, ttl, capacity, byPath: new Map() })
  })

/** `host:port` of a group, for logs and metrics. */
export const groupLabel = (group: MulticastGroup): string => `${group.transport.address}:${group.transport.rtpPort}`

const streamOptions = (ctx: ServerContext, path: string, transport: MulticastTransport): NewSessionOptions => ({
  dialect: "standard",
  connectionId: -1,
  peer: transport.address,
  path,
  controlUrl: path,
  transport,
  now: ctx.clock.unsafeCurrentTimeMillis(),
  isTaken: () => false
})

/** What the group of a path streams: a live file, or a published path's frames. */
export type GroupSource = { readonly _tag: "File"; readonly media: ServedMedia } | { readonly _tag: "Published"; readonly channel: PublishedChannel }

/** The group of `path`, opened for `source` when nobody watches it yet; 461 when the range is used up. */
export const groupFor = (ctx: ServerContext, groups: MulticastGroups, path: string, source: GroupSource): Effect.Effect<MulticastGroup, UnsupportedTransport> =>
  Effect.gen(function* () {
    const existing = groups.byPath.get(path)
    if (existing !== undefined) return existing
    const slot = freeSlot(new Set([...groups.byPath.values()].map((g) => g.slot)), groups.capacity)
    if (slot === undefined) {
      return yield* new UnsupportedTransport({ reason: "Multicast", message: `every multicast group of ${groups.range.text} is in use: use unicast UDP or TCP interleaved` })
    }
    const endpoint = groupEndpoint(groups.range, groups.basePort, slot)
    const transport: MulticastTransport = { _tag: "Multicast", ...endpoint, ttl: groups.ttl }
    const sink = udpSink(ctx.rtpSender, ctx.rtcp, endpoint.address, endpoint.rtpPort, endpoint.rtcpPort)
    const options = streamOptions(ctx, path, transport)
    let stream: GroupStream
    if (source._tag === "File") stream = { kind: "file", session: newFileSession({ ...options, media: source.media }), sink }
    else {
      stream = { kind: "published", session: newViewerSession(options), sink, channel: source.channel }
      // The relay sends each frame to it once, beside the unicast viewers.
      source.channel.multicast = stream
    }
    const group: MulticastGroup = { path, slot, transport, members: new Set(), stream }
    groups.byPath.set(path, group)
    yield* Effect.logInfo(`multicast group opened: ${groupLabel(group)} for ${path}`)
    return group
  })

/** The group a member session belongs to, if it still exists. */
export const groupOf = (ctx: ServerContext, entry: SessionEntry): MulticastGroup | undefined => {
  const group = ctx.multicast?.byPath.get(entry.session.path)
  return group !== undefined && group.members.has(entry) ? group : undefined
}

/** Members playing the group now (the group sends while there is one). */
const playingCount = (group: MulticastGroup): number => {
  let playing = 0
  for (const member of group.members) if (member.session.state === "playing") playing++
  return playing
}

/** What a member's PLAY reply says the stream's next packet carries. */
export interface GroupPosition {
  readonly seq: number
  readonly rtptime: number
}

/**
 * PLAY of a member: it watches from now on. The group's stream starts (after the reply, from
 * the live edge) if nobody was watching; else it is already on its way and the member joins it.
 */
export const playMember = (ctx: ServerContext, group: MulticastGroup, entry: SessionEntry): Effect.Effect<{ readonly position: GroupPosition; readonly after: Effect.Effect<void> }> =>
  Effect.gen(function* () {
    entry.session.state = "playing"
    const { stream } = group
    const now = ctx.clock.unsafeCurrentTimeMillis()
    if (stream.kind === "published") {
      const position = { seq: stream.session.nextSeq & 0xffff, rtptime: nextViewerTimestamp(stream.channel, stream.session, now) }
      return { position, after: Effect.sync(() => { stream.session.state = "playing" }) }
    }
    const session = stream.session
    // Playing already, or starting after another member's PLAY reply: a live stream never ends by itself.
    const running = session.state === "playing"
    if (!running) session.nextFrame = liveJoinFrame(ctx.live.epochMillis, now, session.media.fps)
    const position = { seq: session.nextSeq & 0xffff, rtptime: frameTimestamp(session, session.nextFrame) }
    session.state = "playing"
    return { position, after: running ? Effect.void : startStream(ctx, session, stream.sink) }
  })

const stopGroupStream = (ctx: ServerContext, group: MulticastGroup): Effect.Effect<void> => {
  const { stream } = group
  stream.session.state = "ready"
  return stream.kind === "file" ? stopStream(ctx, stream.session.id) : Effect.void
}

/** PAUSE of a member: it no longer watches; the group's stream stops when nobody does. */
export const pauseMember = (ctx: ServerContext, group: MulticastGroup, entry: SessionEntry): Effect.Effect<void> => {
  entry.session.state = "ready"
  return playingCount(group) > 0 ? Effect.void : stopGroupStream(ctx, group)
}

/** A member's session ended: the group closes with its last member. */
export const leaveGroup = (ctx: ServerContext, group: MulticastGroup, entry: SessionEntry): Effect.Effect<void> =>
  Effect.gen(function* () {
    group.members.delete(entry)
    if (group.members.size === 0) return yield* closeGroup(ctx, group, "no members left")
    if (playingCount(group) === 0) yield* stopGroupStream(ctx, group)
  })

/** Closes the group: its stream stops, the group's address hears BYE once, and the address is free. */
export const closeGroup = (ctx: ServerContext, group: MulticastGroup, reason: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    const groups = ctx.multicast
    if (groups === undefined || groups.byPath.get(group.path) !== group) return
    groups.byPath.delete(group.path)
    yield* stopGroupStream(ctx, group)
    const { stream } = group
    const now = ctx.clock.unsafeCurrentTimeMillis()
    if (stream.session.stats.framesSent > 0) {
      stream.sink.sendRtcp(stream.kind === "file"
        ? senderReport(stream.session, Math.max(stream.session.nextFrame - 1, 0), now, reason)
        : viewerSenderReport(stream.session, now, reason))
    }
    if (stream.kind === "published" && stream.channel.multicast === stream) stream.channel.multicast = undefined
    const { framesSent, packetsSent } = stream.session.stats
    yield* Effect.logInfo(`multicast group closed: ${groupLabel(group)} for ${group.path} (${reason})`).pipe(
      Effect.annotateLogs({ framesSent, packetsSent, members: group.members.size })
    )
  })

/** The groups' figures for /metrics, by path. */
export const multicastMetrics = (groups: MulticastGroups): Record<string, MulticastGroupMetrics> =>
  Object.fromEntries([...groups.byPath.values()].map((group) =>
    [group.path, { group: groupLabel(group), members: group.members.size, playing: playingCount(group), packetsSent: group.stream.session.stats.packetsSent }]))

/** Members of the path's group playing it (a published path counts them among its viewers). */
export const playingMembers = (groups: MulticastGroups | undefined, path: string): number => {
  const group = groups?.byPath.get(path)
  return group === undefined ? 0 : playingCount(group)
}
