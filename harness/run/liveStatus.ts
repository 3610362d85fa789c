/**
 * The live line of a run (`load` on a terminal): clients up, fps, loss, jitter, from the
 * sessions' cheap counters. fps is per playing client over the last tick (frames of the sessions
 * playing now), so a stall shows at once instead of being averaged away. Pure apart from the state it keeps between ticks.
 */
import type { LiveCounters } from "../session/types.js"

export interface LiveStatus {
  readonly elapsedMs: number
  readonly clients: number
  /** Connected so far (sessions created). */
  readonly started: number
  readonly playing: number
  readonly finished: number
  readonly failed: number
  readonly framesReceived: number
  readonly packetsReceived: number
  /** Frames per second per playing client since the previous tick. */
  readonly fps: number
  readonly lossPct: number
  readonly jitterMsMean: number
}

export interface LiveSource {
  readonly live: () => LiveCounters
}

export const makeLiveStatusTracker = () => {
  // Frames each session had at the previous tick: fps counts only sessions playing now.
  const previousFrames = new Map<LiveSource, number>()
  let previousMs = 0
  return (
    elapsedMs: number,
    sessions: ReadonlyArray<LiveSource | undefined>,
    finished: ReadonlyArray<boolean>,
    failed: ReadonlyArray<boolean>
  ): LiveStatus => {
    let started = 0
    let playing = 0
    let frames = 0
    let packets = 0
    let expected = 0
    let lost = 0
    let jitterSum = 0
    let jitterCount = 0
    let newFrames = 0
    for (const session of sessions) {
      if (session === undefined) continue
      started += 1
      const counters = session.live()
      if (counters.state === "playing") {
        playing += 1
        newFrames += counters.framesReceived - (previousFrames.get(session) ?? 0)
      }
      previousFrames.set(session, counters.framesReceived)
      frames += counters.framesReceived
      packets += counters.rtp.packetsReceived
      expected += counters.rtp.packetsExpected
      lost += counters.rtp.packetsLost
      if (counters.rtp.packetsReceived > 0) {
        jitterSum += counters.rtp.jitterMs
        jitterCount += 1
      }
    }
    const spanS = (elapsedMs - previousMs) / 1000
    const fps = playing > 0 && spanS > 0 ? newFrames / spanS / playing : 0
    previousMs = elapsedMs
    return {
      elapsedMs,
      clients: sessions.length,
      started,
      playing,
      finished: finished.filter(Boolean).length,
      failed: failed.filter(Boolean).length,
      framesReceived: frames,
      packetsReceived: packets,
      fps,
      lossPct: expected > 0 ? (lost / expected) * 100 : 0,
      jitterMsMean: jitterCount > 0 ? jitterSum / jitterCount : 0
    }
  }
}

export const formatLiveStatus = (s: LiveStatus): string =>
  `${(s.elapsedMs / 1000).toFixed(1).padStart(6)}s  clients ${s.playing}/${s.clients} playing` +
  `${s.failed > 0 ? `, ${s.failed} failed` : ""}${s.finished > 0 ? `, ${s.finished} done` : ""}` +
  `  fps ${s.fps.toFixed(1)}  loss ${s.lossPct.toFixed(2)}%  jitter ${s.jitterMsMean.toFixed(2)} ms  frames ${s.framesReceived}`
