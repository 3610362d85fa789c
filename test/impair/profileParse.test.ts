/** Every row of the query vectors: a good query gives its profile, a bad one its exact 400 body line. */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { KNOB_NAMES, PROFILE_PARAMETER } from "../../src/impair/knobs.js"
import { formatImpairmentQuery, parseImpairmentQuery } from "../../src/impair/profileParse.js"
import { badQueries, goodQueries, testProfiles } from "./profileQuery.vectors.js"

describe("parseImpairmentQuery", () => {
  it.each(goodQueries)("%j gives its profile", (query, profile) => {
    expect(parseImpairmentQuery(query, testProfiles)).toStrictEqual(Either.right(profile))
  })

  it.each(badQueries)("%j is refused: %s", (query, message) => {
    const result = parseImpairmentQuery(query, testProfiles)
    expect(Either.isLeft(result) && result.left.message).toBe(message)
  })

  it("names the knob at fault, and says what is wrong in words that follow it", () => {
    const result = parseImpairmentQuery("seed=2&delay=-5ms", testProfiles)
    expect(Either.isLeft(result) && { knob: result.left.knob, problem: result.left.problem, tag: result.left._tag }).toStrictEqual({
      knob: "delay",
      problem: "-5ms is negative",
      tag: "ImpairmentProblem"
    })
  })

  it("has a good and a bad vector for every knob and for impair", () => {
    const named = (queries: ReadonlyArray<string>, knob: string) =>
      queries.some((query) => query.split("&").some((piece) => piece.split("=")[0] === knob))
    for (const knob of [PROFILE_PARAMETER, ...KNOB_NAMES]) {
      expect(named(goodQueries.map(([q]) => q), knob), `a good vector for ${knob}`).toBe(true)
      expect(named(badQueries.map(([q]) => q), knob), `a bad vector for ${knob}`).toBe(true)
    }
  })
})

describe("formatImpairmentQuery", () => {
  it.each([
    [{ seed: 1 }, "seed=1"],
    [{ seed: 7, loss: 0.02, burst: { share: 0.3, meanLength: 4 } }, "seed=7&loss=2%25&burst=4&burst-share=30%25"],
    [{ seed: 1, delay: { meanMs: 1500, jitterMs: 0 } }, "seed=1&delay=1500ms&jitter=0s"],
    [{ seed: 1, reorder: { share: 0.07, depth: 2 }, duplicate: 0.005 }, "seed=1&reorder=7%25&reorder-depth=2&dup=0.5%25"],
    [{ seed: 1, bandwidthKbps: 1500, frameDrop: 1e-7 }, "seed=1&bandwidth=1500&frame-drop=0.00001%25"],
    [{ seed: 1, closeAfterMs: 120_000, replyDelayMs: 250, answer: { method: "PLAY", status: 503 } }, "seed=1&close-after=2m&reply-delay=250ms&answer=PLAY:503"],
    [{ seed: 1, freezeAfterMs: 5000, resetSequenceAfterMs: 3000, resetTimestampAfterMs: 0 }, "seed=1&freeze-after=5s&reset-seq-after=3s&reset-ts-after=0s"],
    // The name is not a knob: the query stands alone.
    [{ name: "satellite", seed: 1, delay: { meanMs: 300, jitterMs: 20 } }, "seed=1&delay=300ms&jitter=20ms"]
  ] as const)("%j → %s", (profile, query) => {
    expect(formatImpairmentQuery(profile)).toBe(query)
  })
})
