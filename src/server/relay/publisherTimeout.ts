/**
 * Publishers that stopped: no RTP at all, or no whole frame, for --publisher-timeout. Each
 * comes with the reason its viewers' BYE and the log give.
 */
import type { ServerContext, SessionEntry } from "../context.js"
import type { PublisherSession } from "../session.js"

export const silentPublishers = (ctx: ServerContext, now: number): ReadonlyArray<readonly [SessionEntry<PublisherSession>, string]> => {
  const limitMs = ctx.config.publisherTimeoutSeconds * 1000
  const silent: Array<readonly [SessionEntry<PublisherSession>, string]> = []
  for (const channel of ctx.channels.values()) {
    const publisher = channel.publisher
    if (publisher === undefined || channel.state !== "recording" || now - channel.lastFrameAt <= limitMs) continue
    const reason = now - channel.lastPacketAt > limitMs
      ? `RTP silence for ${ctx.config.publisherTimeoutSeconds} s`
      : `no whole frame for ${ctx.config.publisherTimeoutSeconds} s (last problem: ${channel.lastRejection ?? "none"})`
    silent.push([publisher, reason])
  }
  return silent
}
