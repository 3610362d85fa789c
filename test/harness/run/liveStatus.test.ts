import { describe, expect, it } from "@effect/vitest"
import { addLiveSums, emptyLiveSums, formatLiveStatus, liveStatusOf, makeLiveStatusTracker, makeLiveSumsTracker } from "../../../harness/run/liveStatus.js"
import type { ClientSessionState, LiveCounters } from "../../../harness/session/ClientSession.js"
import { makeRtpReceiverStats } from "../../../harness/metrics/rtpStats.js"

const source = (state: () => ClientSessionState, frames: () => number, lost = 0) => {
  const stats = makeRtpReceiverStats({ clockRate: 90000 })
  stats.onPacket({ sequenceNumber: 0, timestamp: 0, marker: true, arrivalMs: 0, payloadBytes: 1 })
  stats.onPacket({ sequenceNumber: 1 + lost, timestamp: 4500, marker: true, arrivalMs: 50, payloadBytes: 1 })
  return { live: (): LiveCounters => ({ state: state(), framesReceived: frames(), rtp: stats.snapshot() }) }
}

describe("live status", () => {
  it("fps is per playing client over the last tick; a session that stopped adds nothing", () => {
    let framesA = 0
    let stateB: ClientSessionState = "playing"
    const a = source(() => "playing", () => framesA)
    const b = source(() => stateB, () => 40, 2)
    let nowMs = 0
    const next = makeLiveStatusTracker(() => nowMs)
    next(0, [a, b, undefined], [false, false, false], [false, false, false])
    nowMs = 1000
    framesA = 20
    stateB = "closed"
    const s = next(1000, [a, b, undefined], [false, true, false], [false, false, false])
    expect(s).toMatchObject({ clients: 3, started: 2, playing: 1, finished: 1, failed: 0, framesReceived: 60, packetsReceived: 4, fps: 20 })
    // b lost 2 of 4 expected, a none of 2: 2 of 6.
    expect(s.lossPct).toBeCloseTo((2 / 6) * 100, 6)
    expect(formatLiveStatus(s)).toMatch(/^ +1\.0s  clients 1\/3 playing, 1 done  fps 20\.0  loss 33\.33%  jitter [\d.]+ ms  frames 60$/)
  })

  it("groups summed apart (threads) give exactly the line of all sessions together", () => {
    const frames = [0, 0, 0, 0]
    let state: ClientSessionState = "playing"
    const sessions = [
      source(() => "playing", () => frames[0]!),
      source(() => state, () => frames[1]!, 1),
      source(() => "playing", () => frames[2]!, 3),
      source(() => "ready", () => frames[3]!)
    ]
    const finished = [false, false, false, true]
    const failed = [false, false, false, true]
    let nowMs = 0
    const clock = () => nowMs
    const together = makeLiveStatusTracker(clock)
    const groups = [[0, 2], [1, 3]].map((members) => ({ members, sums: makeLiveSumsTracker(clock) }))
    const apart = (elapsedMs: number) =>
      liveStatusOf(
        elapsedMs,
        groups
          .map((g) => g.sums(g.members.map((i) => sessions[i]), g.members.map((i) => finished[i]!), g.members.map((i) => failed[i]!)))
          .reduce(addLiveSums, emptyLiveSums)
      )
    expect(apart(0)).toEqual(together(0, sessions, finished, failed))
    nowMs = 1000
    frames.splice(0, 4, 20, 19, 18, 5)
    state = "closed"
    finished[1] = true
    expect(apart(1000)).toEqual(together(1000, sessions, finished, failed))
    nowMs = 2500
    frames.splice(0, 4, 41, 19, 37, 5)
    const last = apart(2500)
    expect(last).toEqual(together(2500, sessions, finished, failed))
    expect(last.fps).toBeCloseTo((21 + 19) / 2 / 1.5, 9)
  })

  it("a group sampled late counts its frames over its own longer span: fps stays true", () => {
    let frames = 0
    const session = source(() => "playing", () => frames)
    let onTime = 0
    let late = 0
    const prompt = makeLiveSumsTracker(() => onTime)
    const tardy = makeLiveSumsTracker(() => late)
    prompt([session], [false], [false])
    tardy([session], [false], [false])
    // The main thread's tick is at 1 s; the busy group answers at 1.5 s, 30 frames in (20 fps).
    onTime = 1000
    frames = 20
    const a = prompt([session], [false], [false])
    late = 1500
    frames = 30
    const b = tardy([session], [false], [false])
    expect(liveStatusOf(1000, addLiveSums(a, b)).fps).toBeCloseTo(20, 9)
  })
})
