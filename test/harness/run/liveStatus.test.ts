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
    const next = makeLiveStatusTracker()
    next(0, [a, b, undefined], [false, false, false], [false, false, false])
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
    const together = makeLiveStatusTracker()
    const groups = [[0, 2], [1, 3]].map((members) => ({ members, sums: makeLiveSumsTracker() }))
    const apart = (elapsedMs: number, sinceMs: number) =>
      liveStatusOf(
        elapsedMs,
        sinceMs,
        groups
          .map((g) => g.sums(g.members.map((i) => sessions[i]), g.members.map((i) => finished[i]!), g.members.map((i) => failed[i]!)))
          .reduce(addLiveSums, emptyLiveSums)
      )
    expect(apart(0, 0)).toEqual(together(0, sessions, finished, failed))
    frames.splice(0, 4, 20, 19, 18, 5)
    state = "closed"
    finished[1] = true
    expect(apart(1000, 1000)).toEqual(together(1000, sessions, finished, failed))
    frames.splice(0, 4, 41, 19, 37, 5)
    expect(apart(2500, 1500)).toEqual(together(2500, sessions, finished, failed))
  })
})
