/**
 * The live line of a run (`load` on a terminal): clients up, fps, loss, jitter, from the
 * sessions' cheap counters. fps is per playing client over the last tick (frames of the sessions
 * playing now), so a stall shows at once instead of being averaged away.
 *
 * Two halves, so a run spread over threads gives the same line as one in a single thread: each
 * group of sessions is summed into raw counters (`LiveSums`, which add up exactly), and the one
 * formula `liveStatusOf` turns the sums of every group into the line. Pure apart from the state
 * the trackers keep between ticks.
 *
 * fps divides the frames by the playing time each group measured on its own clock since its own
 * previous sample, not by the main thread's tick: a thread that answers a tick late then counts
 * more frames over a longer time, and the figure stays true.
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

/** Raw counters of a group of sessions at one tick; sums of groups are the counters of their union. */
export interface LiveSums {
  readonly clients: number
  readonly started: number
  readonly playing: number
  readonly finished: number
  readonly failed: number
  readonly frames: number
  readonly packets: number
  readonly expected: number
  readonly lost: number
  readonly jitterSum: number
  /** Sessions that received a packet (the ones a jitter is known for). */
  readonly jitterCount: number
  /** Frames the sessions playing now received since the group's previous tick. */
  readonly newFrames: number
  /** Time since the group's previous tick, summed over the sessions playing now (ms). */
  readonly playingMs: number
}

export interface LiveSource {
  readonly live: () => LiveCounters
}

export const emptyLiveSums: LiveSums = {
  clients: 0,
  started: 0,
  playing: 0,
  finished: 0,
  failed: 0,
  frames: 0,
  packets: 0,
  expected: 0,
  lost: 0,
  jitterSum: 0,
  jitterCount: 0,
  newFrames: 0,
  playingMs: 0
}

export const addLiveSums = (a: LiveSums, b: LiveSums): LiveSums => ({
  clients: a.clients + b.clients,
  started: a.started + b.started,
  playing: a.playing + b.playing,
  finished: a.finished + b.finished,
  failed: a.failed + b.failed,
  frames: a.frames + b.frames,
  packets: a.packets + b.packets,
  expected: a.expected + b.expected,
  lost: a.lost + b.lost,
  jitterSum: a.jitterSum + b.jitterSum,
  jitterCount: a.jitterCount + b.jitterCount,
  newFrames: a.newFrames + b.newFrames,
  playingMs: a.playingMs + b.playingMs
})

const countTrue = (flags: ReadonlyArray<boolean>): number => {
  let n = 0
  for (const flag of flags) if (flag) n += 1
  return n
}

/** Sums a group's counters at each call; newFrames and playingMs count from the previous call (the first: from now). */
export const makeLiveSumsTracker = (clock: () => number = () => performance.now()) => {
  // Frames each session had at the previous tick: newFrames counts only sessions playing now.
  const previousFrames = new Map<LiveSource, number>()
  let previousMs = clock()
  return (
    sessions: ReadonlyArray<LiveSource | undefined>,
    finished: ReadonlyArray<boolean>,
    failed: ReadonlyArray<boolean>
  ): LiveSums => {
    let started = 0
    let playing = 0
    let frames = 0
    let packets = 0
    let expected = 0
    let lost = 0
    let jitterSum = 0
    let jitterCount = 0
    let newFrames = 0
    const nowMs = clock()
    const sinceMs = nowMs - previousMs
    previousMs = nowMs
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
    return {
      clients: sessions.length,
      started,
      playing,
      finished: countTrue(finished),
      failed: countTrue(failed),
      frames,
      packets,
      expected,
      lost,
      jitterSum,
      jitterCount,
      newFrames,
      playingMs: playing * sinceMs
    }
  }
}

/** The one formula: a tick's sums (over every session of the run) → the live line's figures. */
export const liveStatusOf = (elapsedMs: number, sums: LiveSums): LiveStatus => {
  return {
    elapsedMs,
    clients: sums.clients,
    started: sums.started,
    playing: sums.playing,
    finished: sums.finished,
    failed: sums.failed,
    framesReceived: sums.frames,
    packetsReceived: sums.packets,
    fps: sums.playingMs > 0 ? (sums.newFrames * 1000) / sums.playingMs : 0,
    lossPct: sums.expected > 0 ? (sums.lost / sums.expected) * 100 : 0,
    jitterMsMean: sums.jitterCount > 0 ? sums.jitterSum / sums.jitterCount : 0
  }
}

/** Both halves in one process: the sessions' counters straight to the live line. */
export const makeLiveStatusTracker = (clock?: () => number) => {
  const sums = makeLiveSumsTracker(clock)
  return (
    elapsedMs: number,
    sessions: ReadonlyArray<LiveSource | undefined>,
    finished: ReadonlyArray<boolean>,
    failed: ReadonlyArray<boolean>
  ): LiveStatus => liveStatusOf(elapsedMs, sums(sessions, finished, failed))
}

export const formatLiveStatus = (s: LiveStatus): string =>
  `${(s.elapsedMs / 1000).toFixed(1).padStart(6)}s  clients ${s.playing}/${s.clients} playing` +
  `${s.failed > 0 ? `, ${s.failed} failed` : ""}${s.finished > 0 ? `, ${s.finished} done` : ""}` +
  `  fps ${s.fps.toFixed(1)}  loss ${s.lossPct.toFixed(2)}%  jitter ${s.jitterMsMean.toFixed(2)} ms  frames ${s.framesReceived}`
