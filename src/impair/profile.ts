/**
 * An impairment profile: what the server does wrong to one session, on purpose and the same way
 * every time for the same seed (issue 13). Every share is a probability from 0 to 1; times are
 * milliseconds. A knob left out is off. Plain data: parsed from a URL query, a profiles file or
 * a built-in name (profileParse.ts, builtinProfiles.ts), applied per packet by packetPlan.ts.
 */
export interface ImpairmentProfile {
  /** The profile's name when it came from a file or the built-ins; undefined for an inline one. */
  readonly name?: string | undefined
  /** Seeds every random choice: the same seed gives the same packets dropped, duplicated, delayed and reordered. */
  readonly seed: number
  /** Random loss: each packet is dropped with this probability. */
  readonly loss?: number | undefined
  /**
   * Burst loss (Gilbert–Elliott): the share of all packets lost in bursts, and the mean burst
   * length in packets. The chain's good → bad and bad → good probabilities follow from them.
   */
  readonly burst?: { readonly share: number; readonly meanLength: number } | undefined
  /** Added delay: normal with this mean and standard deviation (never below 0), never reordering packets by itself. */
  readonly delay?: { readonly meanMs: number; readonly jitterMs: number } | undefined
  /** Reordering: this share of packets is held back and sent after the next `depth` packets. */
  readonly reorder?: { readonly share: number; readonly depth: number } | undefined
  /** Duplicates: each packet is sent twice with this probability. */
  readonly duplicate?: number | undefined
  /** A bandwidth cap (token bucket, kbit/s); packets beyond it are dropped, never queued without bound. */
  readonly bandwidthKbps?: number | undefined
  /** Whole frames dropped: each frame is left out with this probability. */
  readonly frameDrop?: number | undefined
  /** RTSP side: close the connection this long after the session's PLAY. */
  readonly closeAfterMs?: number | undefined
  /** RTSP side: every reply waits this long. */
  readonly replyDelayMs?: number | undefined
  /** RTSP side: answer this method with this status instead. */
  readonly answer?: { readonly method: string; readonly status: number } | undefined
  /** RTSP side: stop sending RTP this long after PLAY, RTSP still answered (a frozen stream). */
  readonly freezeAfterMs?: number | undefined
  /** Restart the sequence numbers (at a new random point) this long after PLAY. */
  readonly resetSequenceAfterMs?: number | undefined
  /** Restart the RTP timestamps (at a new random point) this long after PLAY. */
  readonly resetTimestampAfterMs?: number | undefined
}
