/**
 * Per-second pooled series: their chart buckets against the report's own timeBuckets of the raw
 * samples (count, min, max exact; p50/p99 within the histogram's bound), for one table of
 * sessions that also seeds the properties (merging shards' series is associative, commutative
 * and equals the series of all their sessions).
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import fc from "fast-check"
import { RELATIVE_ERROR } from "../../../harness/metrics/logHistogram.js"
import {
  emptyPooledSeries,
  mergePooledSeries,
  pooledBuckets,
  pooledSeriesOf,
  PooledSeriesSchema,
  type TimedSample
} from "../../../harness/metrics/pooledSeries.js"
import { timeBuckets } from "../../../harness/report/chartData.js"

type Sessions = ReadonlyArray<ReadonlyArray<TimedSample>>

const every50ms = (fromMs: number, count: number, wobble = 0): ReadonlyArray<TimedSample> =>
  Array.from({ length: count }, (_, i) => ({ t: fromMs + i * 50, v: 50 + (i % 3 === 0 ? wobble : 0) }))

const cases: ReadonlyArray<{ readonly name: string; readonly sessions: Sessions }> = [
  { name: "three clients started over a ramp-up", sessions: [every50ms(50, 60), every50ms(380, 60, 3), every50ms(710, 60, -2)] },
  { name: "a stall in one client", sessions: [every50ms(0, 40), [...every50ms(0, 20), { t: 1300, v: 350 }, ...every50ms(1350, 20)]] },
  { name: "a client with nothing, one with one sample", sessions: [[], [{ t: 999.9, v: 0.4 }]] },
  { name: "long run, sparse samples", sessions: [Array.from({ length: 30 }, (_, i) => ({ t: i * 20_000 + 7, v: 40 + i }))] }
]

const near = (estimate: number, exact: number): boolean => Math.abs(estimate - exact) <= RELATIVE_ERROR * Math.abs(exact) * (1 + 1e-9) + 1e-3

const expectLikeTimeBuckets = (sessions: Sessions, widthMs: number): void => {
  const pooled = pooledBuckets(pooledSeriesOf(sessions), widthMs)
  const exact = timeBuckets(sessions.flat(), widthMs)
  expect(pooled.map((b) => [b.t, b.count, b.min, b.max])).toEqual(exact.map((b) => [b.t, b.count, b.min, b.max]))
  pooled.forEach((b, i) => {
    const e = exact[i]
    expect(e).toBeDefined()
    if (e === undefined) return
    expect(near(b.p50, e.p50), `p50 of bucket ${b.t}: ${b.p50} vs ${e.p50}`).toBe(true)
    expect(near(b.p99, e.p99), `p99 of bucket ${b.t}: ${b.p99} vs ${e.p99}`).toBe(true)
  })
}

describe("pooledSeries", () => {
  it.each(cases)("$name: buckets as the report's timeBuckets makes them", ({ sessions }) => {
    for (const width of [1000, 2000, 5000]) expectLikeTimeBuckets(sessions, width)
    const series = pooledSeriesOf(sessions)
    expect(series.sessions).toBe(sessions.filter((s) => s.length > 0).length)
    expect(series.lastMs).toBe(Math.max(0, ...sessions.flat().map((s) => s.t)))
  })

  it("keys each second once, ascending", () => {
    const series = pooledSeriesOf([every50ms(900, 4), every50ms(0, 2)])
    expect(series.seconds.map(([second, h]) => [second, h.count])).toEqual([[0, 4], [1, 2]])
  })

  const sessionsArb: fc.Arbitrary<Sessions> = fc.oneof(
    fc.constantFrom(...cases.map((c) => c.sessions)),
    fc.array(fc.array(fc.record({ t: fc.double({ min: 0, max: 30_000, noNaN: true }), v: fc.double({ min: 0, max: 500, noNaN: true }) }), { maxLength: 60 }), { maxLength: 5 })
  )

  it("merging shards' series is associative and commutative and equals the series of all their sessions", () => {
    fc.assert(
      fc.property(sessionsArb, sessionsArb, sessionsArb, (a, b, c) => {
        const [sa, sb, sc] = [pooledSeriesOf(a), pooledSeriesOf(b), pooledSeriesOf(c)]
        expect(mergePooledSeries(sa, mergePooledSeries(sb, sc))).toEqual(mergePooledSeries(mergePooledSeries(sa, sb), sc))
        expect(mergePooledSeries(sa, sb)).toEqual(mergePooledSeries(sb, sa))
        expect([sa, sb, sc].reduce(mergePooledSeries, emptyPooledSeries)).toEqual(pooledSeriesOf([...a, ...b, ...c]))
      }),
      { numRuns: 200 }
    )
  })

  it("merged, buckets still as timeBuckets makes them from every raw sample", () => {
    fc.assert(
      fc.property(fc.array(sessionsArb, { minLength: 1, maxLength: 4 }), fc.constantFrom(1000, 3000), (shards, width) => {
        const merged = shards.map(pooledSeriesOf).reduce(mergePooledSeries, emptyPooledSeries)
        const exact = timeBuckets(shards.flat().flat(), width)
        const pooled = pooledBuckets(merged, width)
        expect(pooled.map((b) => [b.t, b.count, b.min, b.max])).toEqual(exact.map((b) => [b.t, b.count, b.min, b.max]))
        pooled.forEach((b, i) => {
          expect(near(b.p50, exact[i]?.p50 ?? Number.NaN)).toBe(true)
          expect(near(b.p99, exact[i]?.p99 ?? Number.NaN)).toBe(true)
        })
      }),
      { numRuns: 200 }
    )
  })

  it("round-trips through its JSON form; seconds out of order are refused", () => {
    const decode = Schema.decodeUnknownEither(PooledSeriesSchema)
    for (const { sessions } of cases) {
      const series = pooledSeriesOf(sessions)
      expect(decode(JSON.parse(JSON.stringify(series)))).toEqual(Either.right(series))
    }
    const one = pooledSeriesOf([every50ms(0, 2)]).seconds[0]
    expect(Either.isLeft(decode({ sessions: 1, lastMs: 2000, seconds: [[2, one?.[1]], [1, one?.[1]]] }))).toBe(true)
  })
})
