/**
 * The recovery figures and expectation on made-up frame arrivals: a steady 20 fps never drops,
 * a gap drops the rate for as long as it stays in the 1 s window, a freeze never recovers, the
 * start-up and the time outside PLAY are not judged; the check names the worst client and says
 * expected and actual.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { recoveryFigures } from "../../../harness/metrics/recovery.js"
import type { ClientVerdictInput } from "../../../harness/run/expectations.js"
import { evaluateExpectations } from "../../../harness/run/expectations.js"
import { decodeScenarioValue } from "../../../harness/scenario/decode.js"

/** Frames every 50 ms from `fromMs` (first at fromMs + 50) to `untilMs`, less the ones `missing` says. */
const frames = (fromMs: number, untilMs: number, missing: (t: number) => boolean = () => false): Array<number> => {
  const out: Array<number> = []
  for (let t = fromMs + 50; t <= untilMs; t += 50) if (!missing(t)) out.push(t)
  return out
}

describe("recoveryFigures", () => {
  it("a steady 20 fps never drops below 19; the first second after the first frame is not judged", () => {
    const figures = recoveryFigures(frames(0, 5000), [{ fromMs: 0, untilMs: 5000 }], 19)
    expect(figures).toStrictEqual({ fpsMin: 19, windowMs: 1000, judgedMs: 3950, drops: 0, endMs: 5000 })
  })

  it("two frames lost: the rate is 18 from where the second should have come until the first leaves the window", () => {
    const figures = recoveryFigures(frames(0, 5000, (t) => t === 2000 || t === 2050), [{ fromMs: 0, untilMs: 5000 }], 19)
    // The window (τ-1000, τ] misses both from 2050 until 1950's successor leaves: 18 fps on [2050, 3000).
    expect(figures.drops).toBe(1)
    expect(figures.longest).toStrictEqual({ fromMs: 2050, untilMs: 3000, ms: 950, recovered: true })
  })

  it("a freeze never recovers: the drop runs to the end of the span", () => {
    const figures = recoveryFigures(frames(0, 1000), [{ fromMs: 0, untilMs: 4000 }], 19)
    // 19 frames in (50, 1050]; from 1100 on, fewer.
    expect(figures.longest).toStrictEqual({ fromMs: 1100, untilMs: 4000, ms: 2900, recovered: false })
  })

  it("only the playing spans are judged: a PAUSE is no drop", () => {
    const arrivals = [...frames(0, 2000), ...frames(3000, 5000)]
    const figures = recoveryFigures(arrivals, [{ fromMs: 0, untilMs: 2000 }, { fromMs: 3000, untilMs: 5000 }], 19)
    expect(figures.drops).toBe(0)
    expect(figures.judgedMs).toBe(950 + 950)
  })

  it("a span with no frame at all is judged from a second after its start", () => {
    expect(recoveryFigures([], [{ fromMs: 0, untilMs: 3000 }], 19).longest).toStrictEqual({ fromMs: 1000, untilMs: 3000, ms: 2000, recovered: false })
    expect(recoveryFigures([], [{ fromMs: 0, untilMs: 800 }], 19).judgedMs).toBe(0)
  })
})

const client = (index: number, arrivals: ReadonlyArray<number>, untilMs: number): ClientVerdictInput => ({
  index,
  ok: true,
  requests: [],
  statusSteps: [],
  recovery: recoveryFigures(arrivals, [{ fromMs: 0, untilMs }], 19)
})

describe("the recovery expectation", () => {
  const recovery = { fpsMin: 19, within: 2000 }
  const judged = (clients: ReadonlyArray<ClientVerdictInput>) => evaluateExpectations({ recovery }, clients).find((c) => c.name === "recovery")

  it("passes when every drop ended within the time, naming the longest", () => {
    expect(judged([client(0, frames(0, 5000, (t) => t === 2000 || t === 2050), 5000)])).toStrictEqual({
      name: "recovery",
      ok: true,
      expected: "back to >= 19 fps (frames in 1 s) within 2 s of each drop",
      actual: "longest drop below 19 fps: 0.95 s, from 2.05 s to 3.00 s"
    })
    expect(judged([client(0, frames(0, 5000), 5000)])?.actual).toBe("never below 19 fps (3.95 s judged)")
  })

  it("fails on a stream that never came back, naming the worst client", () => {
    expect(judged([client(0, frames(0, 5000), 5000), client(1, frames(0, 1000), 4000)])).toStrictEqual({
      name: "recovery",
      ok: false,
      expected: "back to >= 19 fps (frames in 1 s) within 2 s of each drop for every client",
      actual: "below 19 fps from 1.10 s until playing stopped at 4.00 s (2.90 s), not back (worst: client 1)"
    })
  })

  it("a drop still going on but shorter than the time is too soon to fail; nobody judged fails as not measured", () => {
    expect(judged([client(0, frames(0, 3000), 4000)])?.ok).toBe(true)
    expect(judged([client(0, [], 500)])).toMatchObject({ ok: false, actual: "not measured (no client played a full second)" })
  })

  it("decodes from a scenario file, the time as a duration", () => {
    const decoded = decodeScenarioValue({ url: "rtsp://127.0.0.1:8554/movie.Mjpeg", steps: [{ step: "setup" }], expect: { recovery: { fpsMin: 19, within: "2s" } } }, "r.json")
    expect(Either.getOrThrow(decoded).expect?.recovery).toStrictEqual({ fpsMin: 19, within: 2000 })
    const bad = decodeScenarioValue({ url: "rtsp://127.0.0.1:8554/movie.Mjpeg", steps: [{ step: "setup" }], expect: { recovery: { fpsMin: 19 } } }, "r.json")
    expect(Either.isLeft(bad) ? bad.left.message : "").toContain("expect.recovery.within")
  })
})
