/**
 * Published paths whose publisher stopped: no RTP at all, or no whole frame, for
 * --publisher-timeout. Each comes with the reason its viewers' BYE and the log give.
 */
import type { ServerContext } from "../context.js"
import type { PublishedChannel } from "./channel.js"

export const silentPublishers = (ctx: ServerContext, now: number): ReadonlyArray<readonly [PublishedChannel, string]> => {
  const limitMs = ctx.config.publisherTimeoutSeconds * 1000
  const silent: Array<readonly [PublishedChannel, string]> = []
  for (const channel of ctx.channels.values()) {
    if (channel.publisher === undefined || channel.state !== "recording" || now - channel.lastFrameAt <= limitMs) continue
    const reason = now - channel.lastPacketAt > limitMs
      ? `RTP silence for ${ctx.config.publisherTimeoutSeconds} s`
      : `no whole frame for ${ctx.config.publisherTimeoutSeconds} s (last problem: ${channel.lastRejection ?? "none"})`
    silent.push([channel, reason])
  }
  return silent
}
