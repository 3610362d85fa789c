/**
 * One RTP packet from a publisher (a UDP datagram, or interleaved on its RTSP connection): into
 * the channel's ingest, and each whole frame out to the viewers. A rejected frame is counted by
 * reason; the first of each reason is logged, the totals when the publisher ends. Packets of a
 * publisher that is not recording (before RECORD, or PAUSEd) are ignored.
 */
import { Effect } from "effect"
import type { ServerContext, SessionEntry } from "../context.js"
import type { PublisherSession } from "../session.js"
import { takeIngested } from "./channel.js"

export const ingestPublisherPacket = (
  ctx: ServerContext,
  entry: SessionEntry<PublisherSession>,
  bytes: Uint8Array,
  offset: number,
  length: number
): Effect.Effect<void> | undefined => {
  const channel = ctx.channels.get(entry.session.path)
  if (channel === undefined || channel.publisher !== entry || entry.session.state !== "recording" || channel.ingest === undefined) return undefined
  const now = ctx.clock.unsafeCurrentTimeMillis()
  entry.session.lastActivity = now
  const firsts = takeIngested(channel, channel.ingest.push(bytes, offset, length, now), length, now)
  if (firsts.length === 0) return undefined
  return Effect.forEach(firsts, (rejection) =>
    Effect.logWarning(`publisher's frame rejected (${rejection.reason}): ${rejection.message}`).pipe(
      Effect.annotateLogs({ session: entry.session.id, path: channel.path })), { discard: true })
}
