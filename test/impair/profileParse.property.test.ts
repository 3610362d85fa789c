/**
 * Properties of the impairment query, seeded from the vectors: a profile written as a query reads
 * back exactly; no input throws, and whatever parses writes back to itself; how a client encodes
 * a value changes nothing; a bad knob is refused the same way whatever good knobs come before it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { profileKnobs } from "../../src/impair/knobs.js"
import type { ImpairmentProfile } from "../../src/impair/profile.js"
import { formatImpairmentQuery, parseImpairmentQuery } from "../../src/impair/profileParse.js"
import { decodeQueryComponent } from "../../src/impair/queryParameters.js"
import { profileArbitrary } from "./profileArbitrary.js"
import { badQueries, goodQueries, testProfiles } from "./profileQuery.vectors.js"

const numRuns = Number(process.env["FC_NUM_RUNS"] ?? 500)
const withoutName = ({ name: _name, ...profile }: ImpairmentProfile): ImpairmentProfile => profile

/** Every byte of every (decoded) value percent-encoded, as the most cautious client would send it. */
const encodeEveryValue = (query: string): string =>
  query
    .split("&")
    .map((piece) => {
      const equals = piece.indexOf("=")
      if (equals < 0) return piece
      const value = [...Buffer.from(decodeQueryComponent(piece.slice(equals + 1)))].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("")
      return `${piece.slice(0, equals)}=${value}`
    })
    .join("&")

const seeds = [...goodQueries.map(([q]) => q), ...badQueries.map(([q]) => q)]
const tokens = [...new Set(seeds.flatMap((q) => q.split(/([&=%:])/)).filter((t) => t !== ""))]
const mutated = fc
  .tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat({ max: 3 }), fc.string({ maxLength: 3 }))
  .map(([seed, at, remove, insert]) => {
    const i = at % (seed.length + 1)
    return seed.slice(0, i) + insert + seed.slice(i + remove)
  })
const queries = fc.oneof(
  fc.string(),
  fc.fullUnicodeString({ maxLength: 30 }),
  mutated,
  fc.array(fc.constantFrom(...tokens), { maxLength: 12 }).map((parts) => parts.join(""))
)

describe("impairment query properties", () => {
  it("a profile written as a query reads back exactly", () => {
    fc.assert(
      fc.property(profileArbitrary, (profile) => {
        expect(parseImpairmentQuery(formatImpairmentQuery(profile), testProfiles)).toStrictEqual(Either.right(profile))
      }),
      { numRuns }
    )
  })

  it("a profile's knobs, unencoded and in any order, read back the same", () => {
    fc.assert(
      fc.property(profileArbitrary.chain((profile) => fc.tuple(fc.constant(profile), fc.shuffledSubarray([...profileKnobs(profile)], { minLength: profileKnobs(profile).length }))), ([profile, knobs]) => {
        const query = knobs.map(([knob, text]) => `${knob}=${text}`).join("&")
        expect(parseImpairmentQuery(query, testProfiles)).toStrictEqual(Either.right(profile))
      }),
      { numRuns }
    )
  })

  it("never throws, and whatever parses writes back to the same profile", () => {
    fc.assert(
      fc.property(queries, (query) => {
        const result = parseImpairmentQuery(query, testProfiles)
        expect(Either.isEither(result)).toBe(true)
        if (Either.isLeft(result)) {
          expect(result.left.message.length).toBeGreaterThan(0)
          expect(result.left.message).not.toMatch(/[\r\n]/)
          return
        }
        if (result.right === undefined) return
        expect(parseImpairmentQuery(formatImpairmentQuery(result.right), testProfiles)).toStrictEqual(Either.right(withoutName(result.right)))
      }),
      { numRuns }
    )
  })

  it("how a client percent-encodes the values changes nothing", () => {
    for (const [query] of [...goodQueries, ...badQueries]) {
      expect(parseImpairmentQuery(encodeEveryValue(query), testProfiles), query).toStrictEqual(parseImpairmentQuery(query, testProfiles))
    }
  })

  it("a bad knob is refused the same way after good knobs of other names", () => {
    const unrelated = ["dup=1%", "close-after=1s", "answer=PLAY:503", "freeze-after=2s"]
    fc.assert(
      fc.property(fc.constantFrom(...badQueries), fc.constantFrom(...unrelated), ([bad, message], good) => {
        fc.pre(!bad.includes(good.split("=")[0] ?? ""))
        const result = parseImpairmentQuery(`${good}&${bad}`, testProfiles)
        expect(Either.isLeft(result) && result.left.message).toBe(message)
      }),
      { numRuns }
    )
  })
})
