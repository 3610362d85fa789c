/** The /metrics families of impairments (issue 13): one sample per profile, per reason or action where it has them. */
import { DROP_REASONS } from "../impair/packetPlan.js"
import { IMPAIRMENT_ACTIONS, type ImpairmentProfileMetrics } from "./impairmentTally.js"
import type { ExpositionSnapshot, MetricFamily, Sample } from "./Metrics.js"

type Each = (samplesOf: (snapshot: ExpositionSnapshot) => ReadonlyArray<Sample>) => Array<Sample>

export const impairmentFamilies = (each: Each): Array<MetricFamily> => {
  const profiles = (s: ExpositionSnapshot) => Object.entries(s.impairments ?? {})
  const perProfile = (pick: (m: ImpairmentProfileMetrics) => number): Array<Sample> =>
    each((s) => profiles(s).map(([profile, m]) => ({ labels: [["profile", profile]], value: pick(m) })))
  const counter = (name: string, help: string, pick: (m: ImpairmentProfileMetrics) => number): MetricFamily =>
    ({ name, type: "counter", help, samples: perProfile(pick) })
  return [
    { name: "rtsp_impaired_sessions", type: "gauge", help: "Live sessions under each impairment profile.", samples: perProfile((m) => m.sessions) },
    counter("rtsp_impairment_packets_total", "RTP packets each profile decided on.", (m) => m.packets),
    {
      name: "rtsp_impairment_dropped_total",
      type: "counter",
      help: "RTP packets an impairment left out, by profile and reason (frame, burst, loss, bandwidth, freeze, overflow).",
      samples: each((s) => profiles(s).flatMap(([profile, m]) => DROP_REASONS.map((reason) => ({ labels: [["profile", profile], ["reason", reason]], value: m.dropped[reason] }))))
    },
    counter("rtsp_impairment_duplicated_total", "RTP packets an impairment sent twice.", (m) => m.duplicated),
    counter("rtsp_impairment_reordered_total", "RTP packets an impairment held back behind later ones.", (m) => m.reordered),
    counter("rtsp_impairment_frames_dropped_total", "Whole frames an impairment left out (frame-drop).", (m) => m.framesDropped),
    counter("rtsp_impairment_frames_broken_total", "Frames with at least one packet an impairment left out.", (m) => m.framesBroken),
    counter("rtsp_impairment_sequence_resets_total", "Restarts of a session's sequence numbers (reset-seq-after).", (m) => m.sequenceResets),
    counter("rtsp_impairment_timestamp_resets_total", "Restarts of a session's RTP timestamps (reset-ts-after).", (m) => m.timestampResets),
    {
      name: "rtsp_impairment_actions_total",
      type: "counter",
      help: "RTSP-side impairments carried out, by profile and action (close, answer, reply-delay).",
      samples: each((s) => profiles(s).flatMap(([profile, m]) => IMPAIRMENT_ACTIONS.map((action) => ({ labels: [["profile", profile], ["action", action]], value: m.actions[action] }))))
    }
  ]
}
