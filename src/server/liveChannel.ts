/**
 * Live channels (`--live PATH`): a file that plays on one clock from the server's start,
 * looping forever, whoever watches. Frame k of the channel is due at epoch + k·1000/fps; a
 * viewer's PLAY joins at the next frame due, so every viewer sees the same frame at the same
 * moment (their own SSRC, sequence numbers and RTP timestamps, one packetization for all).
 * Pure arithmetic.
 */
import { frameDueMillis } from "./FrameScheduler.js"

export interface LiveChannels {
  /** The channels' clock zero, in clock millis (the server's start). */
  readonly epochMillis: number
  /** The media paths that are live, as URL paths ("movie.Mjpeg"). */
  readonly paths: ReadonlySet<string>
}

/** A --live value as the library names files: no leading slash. */
export const livePath = (text: string): string => text.trim().replace(/^\/+/, "")

/** The frame a viewer joining at `nowMillis` starts with: the next one due (or the one due now). */
export const liveJoinFrame = (epochMillis: number, nowMillis: number, fps: number): number =>
  Math.max(0, Math.ceil(((nowMillis - epochMillis) * fps) / 1000 - 1e-9))

/** When the channel's frame `k` is due. */
export const liveFrameDue = (epochMillis: number, k: number, fps: number): number => frameDueMillis(epochMillis, k, fps)
