/** The pure parts of authentication: path globs, rules, nonces and the failure throttle, by tables. */
import { describe, expect, it } from "@effect/vitest"
import { compilePolicy, isAllowed, parseUsersFile, type UsersFile } from "../../../src/server/auth/accessFile.js"
import { makeNonceBook } from "../../../src/server/auth/nonces.js"
import { compileGlob } from "../../../src/server/auth/pathGlob.js"
import { makeFailureThrottle } from "../../../src/server/auth/throttle.js"

describe("path globs", () => {
  const table: ReadonlyArray<readonly [glob: string, path: string, matches: boolean]> = [
    ["movie.Mjpeg", "movie.Mjpeg", true],
    ["movie.Mjpeg", "movie.mjpeg", false],
    ["*.Mjpeg", "movie.Mjpeg", true],
    ["*.Mjpeg", "cams/movie.Mjpeg", false],
    ["cams/*", "cams/front", true],
    ["cams/*", "cams/a/b", false],
    ["cams/**", "cams", true],
    ["cams/**", "cams/a/b", true],
    ["cams/**", "camsx", false],
    ["**/b", "b", true],
    ["**/b", "a/x/b", true],
    ["**", "anything/at/all", true],
    ["c?m", "cam", true],
    ["c?m", "c/m", false],
    ["a.b", "axb", false],
    ["(x)+", "(x)+", true]
  ]
  it.each(table)("%s against %s is %s", (glob, path, matches) => {
    expect(compileGlob(glob)(path)).toBe(matches)
    expect(compileGlob(glob)(`/${path}`)).toBe(matches)
  })
})

describe("rules", () => {
  const file: UsersFile = {
    realm: "r",
    users: { alice: { groups: ["viewers"] }, bob: {}, cam: { groups: ["cameras"] } },
    rules: [
      { paths: ["open/**"], anonymous: true, allow: ["read"] },
      { paths: ["movies/*"], groups: ["viewers"], allow: ["read"] },
      { paths: ["live/*"], users: ["cam"], allow: ["read", "publish"] },
      { paths: ["live/*"], groups: ["viewers"], allow: ["read"] }
    ]
  }
  const policy = compilePolicy(file)
  const table: ReadonlyArray<readonly [user: string | undefined, path: string, action: "read" | "publish", allowed: boolean]> = [
    [undefined, "open/a", "read", true],
    [undefined, "open/a", "publish", false],
    [undefined, "movies/a", "read", false],
    ["alice", "open/a", "read", true],
    ["alice", "movies/a", "read", true],
    ["alice", "live/x", "read", true],
    ["alice", "live/x", "publish", false],
    ["bob", "movies/a", "read", false],
    ["cam", "live/x", "publish", true],
    ["cam", "movies/a", "read", false],
    ["ghost", "movies/a", "read", false]
  ]
  it.each(table)("%s on %s may %s: %s", (user, path, action, allowed) => {
    expect(isAllowed(policy, user, path, action)).toBe(allowed)
  })

  it("a file's problems are named by their place in it", () => {
    const bad = parseUsersFile(JSON.stringify({ realm: "", users: { "a b": {} }, rules: [{ paths: ["x"], allow: ["read"], extra: 1 }] }))
    expect(bad._tag === "Left" && bad.left).toMatch(/^realm: .*; users\.a b: .*; rules\.0\.extra: /)
    expect(parseUsersFile("{")._tag).toBe("Left")
  })
})

describe("nonces", () => {
  const book = makeNonceBook({ lifetimeMillis: 1000, maxCounted: 2, secret: Buffer.alloc(32, 7) })
  it("are fresh for their address and lifetime, stale after, forged when changed or for another address", () => {
    const nonce = book.issue("10.0.0.1", 5000)
    expect(book.check(nonce, "10.0.0.1", 5999)).toBe("fresh")
    expect(book.check(nonce, "10.0.0.1", 6001)).toBe("stale")
    expect(book.check(nonce, "10.0.0.2", 5500)).toBe("forged")
    const flipped = `${nonce.slice(0, 20)}${nonce[20] === "A" ? "B" : "A"}${nonce.slice(21)}`
    expect(book.check(flipped, "10.0.0.1", 5500)).toBe("forged")
    expect(book.check("short", "10.0.0.1", 5500)).toBe("forged")
    expect(makeNonceBook({ lifetimeMillis: 1000, maxCounted: 2 }).check(nonce, "10.0.0.1", 5500)).toBe("forged")
  })

  it("count upwards only, and a nonce whose count was forgotten is stale from then on", () => {
    const [a, b, c] = [book.issue("p", 0), book.issue("p", 0), book.issue("p", 0)]
    expect([book.count(a, 1), book.count(a, 1), book.count(a, 3), book.count(a, 2)]).toEqual([true, false, true, false])
    expect(book.count(b, 1)).toBe(true)
    expect(book.count(c, 1)).toBe(true)
    // Two are remembered: a, the oldest, is forgotten, so replaying it from 1 is not let in.
    expect(book.check(a, "p", 10)).toBe("stale")
    expect(book.check(b, "p", 10)).toBe("fresh")
  })
})

describe("the failure throttle", () => {
  it("lets the free failures through, then spaces attempts by doubling waits up to the ceiling; a success clears", () => {
    const throttle = makeFailureThrottle({ freeFailures: 2, baseMillis: 10, maxMillis: 40, maxAddresses: 10 })
    expect(throttle.waitFor("a", 0)).toBe(0)
    expect(throttle.failed("a", 0)).toEqual({ failures: 1, waitMillis: undefined })
    expect(throttle.failed("a", 0)).toEqual({ failures: 2, waitMillis: 10 })
    // Three attempts at once queue behind each other.
    expect([throttle.waitFor("a", 0), throttle.waitFor("a", 0), throttle.waitFor("a", 0)]).toEqual([10, 20, 30])
    expect(throttle.failed("a", 40).waitMillis).toBe(20)
    expect(throttle.failed("a", 40).waitMillis).toBe(40)
    expect(throttle.failed("a", 40).waitMillis).toBe(40)
    expect(throttle.waitFor("b", 40)).toBe(0)
    throttle.succeeded("a")
    expect(throttle.waitFor("a", 41)).toBe(0)
  })

  it("forgets the longest quiet address first past its bound", () => {
    const throttle = makeFailureThrottle({ freeFailures: 0, baseMillis: 5, maxMillis: 5, maxAddresses: 2 })
    throttle.failed("a", 0)
    throttle.failed("b", 0)
    throttle.failed("a", 0)
    throttle.failed("c", 0)
    expect(throttle.waitFor("b", 0)).toBe(0)
    expect(throttle.waitFor("a", 0)).toBeGreaterThan(0)
  })
})
