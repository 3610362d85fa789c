/**
 * --impair's text as the URL query the server reads: a name means impair=NAME, knobs go as they
 * are, the URL's own parameters stay (one named again is replaced), typos are refused here; the
 * scenario's `impair` (one for all, or one per client) decodes with the same rules.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { parseImpairmentQuery } from "../../../src/impair/profileParse.js"
import { BUILTIN_PROFILES } from "../../../src/impair/builtinProfiles.js"
import { askedImpairment, impairmentParameters, withImpairment } from "../../../harness/impair/impairQuery.js"
import { decodeScenarioValue } from "../../../harness/scenario/decode.js"
import { impairmentOfClient } from "../../../harness/scenario/schema.js"

const URL = "rtsp://127.0.0.1:8554/movie.Mjpeg"

const queryOf = (url: string): string => url.slice(url.indexOf("?") + 1)

describe("withImpairment", () => {
  it.each([
    ["lossy-wifi", `${URL}?impair=lossy-wifi`],
    ["loss=2%&seed=7", `${URL}?loss=2%25&seed=7`],
    ["loss=2%25&jitter=15ms", `${URL}?loss=2%25&jitter=15ms`],
    ["impair=bursty&seed=3", `${URL}?impair=bursty&seed=3`],
    ["  satellite  ", `${URL}?impair=satellite`]
  ])("%s", (text, url) => {
    expect(withImpairment(URL, text)).toStrictEqual(Either.right(url))
  })

  it("keeps the URL's own query as written and replaces a parameter the impairment names again", () => {
    expect(withImpairment(`${URL}?seed=1&token=a%2Fb`, "impair=bursty&seed=9")).toStrictEqual(Either.right(`${URL}?token=a%2Fb&impair=bursty&seed=9`))
    expect(withImpairment(`rtsp://u:p@127.0.0.1:8554/movie.Mjpeg?x=1#frag`, "reorder-heavy")).toStrictEqual(
      Either.right("rtsp://u:p@127.0.0.1:8554/movie.Mjpeg?x=1&impair=reorder-heavy#frag")
    )
  })

  it("the server reads back what was asked", () => {
    const url = Either.getOrThrow(withImpairment(URL, "loss=2%&jitter=15ms&seed=7"))
    const profile = Either.getOrThrow(parseImpairmentQuery(queryOf(url), BUILTIN_PROFILES))
    expect(profile).toMatchObject({ seed: 7, loss: 0.02 })
    const named = Either.getOrThrow(parseImpairmentQuery(queryOf(Either.getOrThrow(withImpairment(URL, "lossy-wifi"))), BUILTIN_PROFILES))
    expect(named?.name).toBe("lossy-wifi")
  })

  it.each([
    ["", "needs a profile name or knobs"],
    ["los=2%", "unknown knob \"los\""],
    ["loss=150%", "loss"],
    ["seed=abc", "seed"],
    ["loss=2%&seed", "seed needs a value"],
    ["impair=", "impair needs a profile name"],
    ["lossy wifi", "not a profile name"]
  ])("refuses %j", (text, reason) => {
    const refused = impairmentParameters(text)
    expect(Either.isLeft(refused)).toBe(true)
    expect(Either.isLeft(refused) ? refused.left : "").toContain(reason)
  })
})

describe("a scenario's impair", () => {
  const base = { url: URL, steps: [{ step: "setup" }, { step: "play" }] }

  it("one for every client, or one per client taken in turn; none leaves a client alone", () => {
    const one = Either.getOrThrow(decodeScenarioValue({ ...base, clients: 2, impair: "bursty" }, "one.json"))
    expect([0, 1].map((i) => impairmentOfClient(one.impair, i))).toEqual(["bursty", "bursty"])
    const each = Either.getOrThrow(decodeScenarioValue({ ...base, clients: 3, impair: ["loss=2%", "none"] }, "each.json"))
    expect([0, 1, 2].map((i) => impairmentOfClient(each.impair, i))).toEqual(["loss=2%", undefined, "loss=2%"])
    expect(askedImpairment(" none ")).toBeUndefined()
  })

  it("a bad one is refused with its path in the file; the classic dialect cannot ask", () => {
    const bad = decodeScenarioValue({ ...base, impair: ["bursty", "los=1%"] }, "bad.json")
    expect(Either.isLeft(bad) ? bad.left.message : "").toMatch(/bad\.json: impair\[1\]: .*unknown knob "los"/)
    const classic = decodeScenarioValue({ ...base, dialect: "classic", impair: "bursty" }, "classic.json")
    expect(Either.isLeft(classic) ? classic.left.message : "").toContain("classic.json: impair: the classic dialect")
  })
})
