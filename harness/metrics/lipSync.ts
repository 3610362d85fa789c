/**
 * Audio/video alignment from the sender reports (RFC 3550 §6.4.1): each track's SR maps its RTP
 * timestamps to the sender's wallclock, so every packet has a capture time on one clock. A
 * packet's delay is its arrival minus that capture time (the two machines' clock offset is in
 * every delay alike, and cancels). The offset is the audio's median delay minus the video's:
 * positive when audio arrives later than the video captured at the same moment, which a player
 * must make up for by delaying the video. Pure.
 */
import { timestampDelta } from "../../src/protocol/rtp.js"
import type { TimingSample } from "../receiver/receiverCore.js"
import type { SenderClock } from "../session/rtcpReports.js"
import { percentileOfSorted, sortedAscending } from "./percentile.js"

export interface TrackTiming {
  readonly clockRate: number
  readonly senderClock: SenderClock | undefined
  readonly samples: ReadonlyArray<TimingSample>
}

/** The median of arrival − capture time (ms), or undefined without an SR or samples. */
export const medianDelayMs = (track: TrackTiming): number | undefined => {
  const clock = track.senderClock
  if (clock === undefined || track.samples.length === 0 || track.clockRate <= 0) return undefined
  const delays = track.samples.map((s) => s.arrivalMs - (clock.ntpMs + (timestampDelta(s.timestamp, clock.rtpTimestamp) * 1000) / track.clockRate))
  return percentileOfSorted(sortedAscending(delays), 50)
}

/** Audio delay minus video delay (ms); undefined unless both tracks had a sender report and packets. */
export const lipSyncOffsetMs = (audio: TrackTiming, video: TrackTiming): number | undefined => {
  const a = medianDelayMs(audio)
  const v = medianDelayMs(video)
  return a === undefined || v === undefined ? undefined : a - v
}
