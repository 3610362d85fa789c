import { describe, expect, it } from "@effect/vitest"
import { makeThinningSeries } from "../../../harness/metrics/thinningSeries.js"

describe("makeThinningSeries", () => {
  it("samples at most every everyMs, computing the value only when it records", () => {
    const series = makeThinningSeries({ everyMs: 100, max: 10 })
    let computed = 0
    for (let t = 0; t < 500; t += 20) series.offer(t, () => ++computed)
    expect(series.samples().map((s) => s.tMs)).toEqual([0, 100, 200, 300, 400])
    expect(computed).toBe(5)
  })

  it("a run of any length stays within max, evenly spread from start to now", () => {
    const series = makeThinningSeries({ everyMs: 100, max: 64 })
    // Ten hours of frames at 20 fps.
    for (let t = 0; t <= 36_000_000; t += 50) series.offer(t, () => t / 1000)
    const samples = series.samples()
    expect(samples.length).toBeLessThanOrEqual(64)
    expect(samples.length).toBeGreaterThanOrEqual(32)
    expect(samples[0]?.tMs).toBe(0)
    expect(36_000_000 - (samples[samples.length - 1]?.tMs ?? 0)).toBeLessThanOrEqual(2 * (samples[1]?.tMs ?? 0))
    const gaps = samples.slice(1).map((s, i) => s.tMs - (samples[i]?.tMs ?? 0))
    expect(Math.max(...gaps)).toBe(Math.min(...gaps))
    expect(samples.every((s) => s.value === s.tMs / 1000)).toBe(true)
  })
})
