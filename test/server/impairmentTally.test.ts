/**
 * The impairment tally behind /metrics: ended sessions' records add up per profile, live ones are
 * read at each scrape (so the counters move while sessions play), actions count per profile, and a
 * cluster's workers' figures sum per profile. Nothing shows until a profile was used.
 */
import { describe, expect, it } from "@effect/vitest"
import { emptyRecord } from "../../src/impair/packetPlan.js"
import { makeImpairmentTally } from "../../src/server/impairmentTally.js"
import { makeServerMetrics, sumSnapshots } from "../../src/server/Metrics.js"

const record = (packets: number, loss: number, broken: number) => {
  const r = emptyRecord()
  r.packets = packets
  r.dropped.loss = loss
  r.framesBroken = broken
  return r
}

describe("the impairment tally", () => {
  it("adds ended records to live ones per profile, and counts actions", () => {
    const tally = makeImpairmentTally()
    const wifi = { name: "lossy-wifi", seed: 1 }
    const inline = { seed: 7, loss: 0.1 }
    expect(tally.read([])).toEqual({})
    tally.sessionEnded(wifi, record(100, 3, 2))
    tally.action(inline, "close")
    const live = { profile: wifi, record: record(50, 1, 1) }
    const read = tally.read([live])
    expect(Object.keys(read)).toEqual(["inline", "lossy-wifi"])
    expect(read["lossy-wifi"]).toMatchObject({ sessions: 1, packets: 150, framesBroken: 3, dropped: { loss: 4, burst: 0 } })
    expect(read["inline"]).toMatchObject({ sessions: 0, packets: 0, actions: { close: 1, answer: 0, "reply-delay": 0 } })
    // Reading does not add the live record into the totals.
    expect(tally.read([])["lossy-wifi"]).toMatchObject({ sessions: 0, packets: 100 })
  })

  it("shows on /metrics once a profile was used, and a cluster's figures sum per profile", () => {
    const metrics = makeServerMetrics()
    const tally = makeImpairmentTally()
    metrics.readImpairments(() => tally.read([]))
    expect(metrics.render()).not.toContain("rtsp_impairment")
    tally.sessionEnded({ name: "bursty", seed: 1 }, record(40, 0, 5))
    const text = metrics.render()
    expect(text).toContain('rtsp_impairment_packets_total{profile="bursty"} 40')
    expect(text).toContain('rtsp_impairment_frames_broken_total{profile="bursty"} 5')
    expect(text).toContain('rtsp_impairment_dropped_total{profile="bursty",reason="freeze"} 0')
    const one = metrics.expositionSnapshot()
    const summed = sumSnapshots([one, one])
    expect(summed.impairments?.["bursty"]).toMatchObject({ packets: 80, framesBroken: 10 })
  })
})
