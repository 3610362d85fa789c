/**
 * One track's figures in the harness's JSON names, beside the session's (sessionMetrics.ts),
 * which are its primary track's: codec and clock from the description, then what arrived.
 * H.264/H.265 tracks add their NAL figures (nalReceiver.ts). Pure.
 */
import type { NalFigures } from "../receiver/nalReceiver.js"
import type { TrackSnapshot } from "../session/types.js"

export interface TrackMetrics {
  readonly kind: string
  readonly control: string
  readonly codec: string
  readonly encoding: string
  readonly clockRate: number
  readonly channels?: number
  readonly framesReceived: number
  readonly framesDropped: number
  readonly droppedByReason: Readonly<Record<string, number>>
  readonly fps: number
  readonly packetsReceived: number
  readonly packetsLost: number
  readonly lossPct: number
  readonly duplicates: number
  readonly reordered: number
  readonly jitterMs: number
  readonly bitrateKbps: number
  readonly senderReports: number
  readonly byeReceived: boolean
  readonly nal?: NalFigures
}

export const trackMetrics = (t: TrackSnapshot): TrackMetrics => {
  const { rtp, frames } = t.receiver
  return {
    kind: t.kind,
    control: t.control,
    codec: t.codec,
    encoding: t.encoding,
    clockRate: t.clockRate,
    ...(t.channels === undefined ? {} : { channels: t.channels }),
    framesReceived: frames.framesReceived,
    framesDropped: frames.framesDropped,
    droppedByReason: frames.droppedByReason,
    fps: frames.fps,
    packetsReceived: rtp.packetsReceived,
    packetsLost: rtp.packetsLost,
    lossPct: rtp.lossPct,
    duplicates: rtp.duplicates,
    reordered: rtp.reordered,
    jitterMs: rtp.jitterMs,
    bitrateKbps: rtp.bitrateBps / 1000,
    senderReports: t.senderReports,
    byeReceived: t.byeReceived,
    ...(t.nal === undefined ? {} : { nal: t.nal })
  }
}
