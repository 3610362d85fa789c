/**
 * Per-session video frame statistics: rate, gaps, startup latency and RTP
 * timestamp regularity. Pure: the caller supplies arrival times in ms.
 *
 * Definitions
 * - fps: (n - 1) / (last arrival - first arrival), i.e. the mean rate over
 *   the observed span; 0 with fewer than two frames or an empty span.
 * - fpsMin1s: for every frame i whose 1-second window [t_i, t_i + 1000) ends
 *   no later than the last arrival (full windows only), count the frames in
 *   that window; the minimum count. Undefined when the run spans < 1 s.
 * - intervalMs: nearest-rank percentiles (see percentile.ts) of consecutive
 *   arrival differences.
 * - startupMs: first frame arrival - PLAY sent time.
 * - timestampsConsistent: every consecutive RTP timestamp delta equals the
 *   step clockRate / expectedFps (exactly when the step is an integer, within
 *   ±1 otherwise). Without expectedFps the first observed delta is the step
 *   (±1). A lost frame doubles one delta and so makes this false.
 */
import { timestampDelta } from "../../src/protocol/rtp.js"
import { JPEG_CLOCK_RATE } from "../../src/protocol/rtpJpeg.js"
import { type PercentileSummary, summarize } from "./percentile.js"

export interface FrameSample {
  /** RTP timestamp of the frame. */
  readonly timestamp: number
  /** Arrival of the frame's last packet, in ms. */
  readonly arrivalMs: number
}

export interface FrameStatsOptions {
  /** Expected frames per second, for the timestamp step check. */
  readonly expectedFps?: number
  /** RTP clock rate (default JPEG_CLOCK_RATE, 90 kHz). */
  readonly clockRate?: number
}

export interface FrameStatsSnapshot {
  readonly framesReceived: number
  readonly framesDropped: number
  readonly droppedByReason: Readonly<Record<string, number>>
  readonly fps: number
  readonly fpsMin1s?: number
  readonly intervalMs?: PercentileSummary
  readonly startupMs?: number
  readonly timestampsConsistent: boolean
  /** Number of consecutive timestamp deltas that broke the expected step. */
  readonly timestampStepMismatches: number
  /** clockRate / expectedFps, when expectedFps was given. */
  readonly timestampStepExpected?: number
}

export interface FrameStats {
  readonly onFrame: (frame: FrameSample) => void
  readonly onDropped: (reason: string) => void
  readonly onPlaySent: (ms: number) => void
  readonly snapshot: () => FrameStatsSnapshot
  /** The raw inter-frame arrival intervals (ms), for exact run-wide percentiles (see aggregate.ts). */
  readonly intervalsMs: () => ReadonlyArray<number>
  /** The frames' arrival times (ms), in arrival order. */
  readonly arrivalsMs: () => ReadonlyArray<number>
}

/** Minimum frame count over full 1-s windows starting at each frame; arrivals must be ascending. */
export const minFramesPerSecond = (arrivalsMs: ReadonlyArray<number>): number | undefined => {
  const last = arrivalsMs[arrivalsMs.length - 1]
  if (last === undefined) return undefined
  let min: number | undefined
  let end = 0
  for (let start = 0; start < arrivalsMs.length; start++) {
    const from = arrivalsMs[start] ?? 0
    if (from + 1000 > last) break
    if (end < start) end = start
    while (end < arrivalsMs.length && (arrivalsMs[end] ?? 0) < from + 1000) end++
    const count = end - start
    if (min === undefined || count < min) min = count
  }
  return min
}

export const makeFrameStats = (options: FrameStatsOptions = {}): FrameStats => {
  const clockRate = options.clockRate ?? JPEG_CLOCK_RATE
  const stepExpected =
    options.expectedFps !== undefined && options.expectedFps > 0 ? clockRate / options.expectedFps : undefined

  const arrivals: Array<number> = []
  const intervals: Array<number> = []
  const droppedByReason: Record<string, number> = {}
  let framesDropped = 0
  let playSentMs: number | undefined
  let lastTimestamp = 0
  let step = stepExpected
  let stepMismatches = 0

  // An exact integer step must match exactly; a fractional or merely observed step allows ±1 rounding.
  const exactStep = stepExpected !== undefined && Number.isInteger(stepExpected)
  const stepMatches = (delta: number, expected: number): boolean =>
    exactStep ? delta === expected : Math.abs(delta - expected) <= 1

  const onFrame = (frame: FrameSample): void => {
    const previousArrival = arrivals[arrivals.length - 1]
    if (previousArrival !== undefined) {
      intervals.push(frame.arrivalMs - previousArrival)
      const delta = timestampDelta(frame.timestamp, lastTimestamp)
      if (step === undefined) step = delta
      else if (!stepMatches(delta, step)) stepMismatches += 1
    }
    arrivals.push(frame.arrivalMs)
    lastTimestamp = frame.timestamp
  }

  const onDropped = (reason: string): void => {
    framesDropped += 1
    droppedByReason[reason] = (droppedByReason[reason] ?? 0) + 1
  }

  const onPlaySent = (ms: number): void => {
    playSentMs = ms
  }

  const snapshot = (): FrameStatsSnapshot => {
    const n = arrivals.length
    const first = arrivals[0]
    const last = arrivals[n - 1]
    const span = first !== undefined && last !== undefined ? last - first : 0
    const sortedArrivals = [...arrivals].sort((a, b) => a - b)
    const fpsMin1s = minFramesPerSecond(sortedArrivals)
    const intervalMs = summarize(intervals)
    return {
      framesReceived: n,
      framesDropped,
      droppedByReason: { ...droppedByReason },
      fps: n >= 2 && span > 0 ? ((n - 1) * 1000) / span : 0,
      ...(fpsMin1s !== undefined ? { fpsMin1s } : {}),
      ...(intervalMs !== undefined ? { intervalMs } : {}),
      ...(first !== undefined && playSentMs !== undefined ? { startupMs: first - playSentMs } : {}),
      timestampsConsistent: stepMismatches === 0,
      timestampStepMismatches: stepMismatches,
      ...(stepExpected !== undefined ? { timestampStepExpected: stepExpected } : {})
    }
  }

  return { onFrame, onDropped, onPlaySent, snapshot, intervalsMs: () => [...intervals], arrivalsMs: () => [...arrivals] }
}
