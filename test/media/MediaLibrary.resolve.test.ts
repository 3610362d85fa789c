/** MediaLibrary.resolve: serving by path, alias and symlink, refusals, caching and reloads, concurrency, fps and MTU. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { mkdirSync, statSync, utimesSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { MediaNotFound, type MediaNotFoundReason, MediaUnavailable, type ServedMedia } from "../../src/media/MediaLibrary.js"
import { labFile, makeNoiseJpeg } from "./craft.js"
import { a, b, c, type Fixture, lab, same, withFixture } from "./mediaLibraryKit.js"

const bigNoise = await makeNoiseJpeg(256, 160, 90)

/** The failure of a resolve; a success becomes a short string, so that a failing test does not print the whole file. */
const failure = <E, R>(effect: Effect.Effect<ServedMedia, E, R>): Effect.Effect<E, string, R> =>
  Effect.flip(Effect.map(effect, (media) => `unexpectedly served ${media.urlPath}`))

/** Moves the file's mtime well away from now, so that a change is visible whatever the clock's resolution. */
const touch = (path: string, secondsAhead: number) => {
  const when = new Date(Date.now() + secondsAhead * 1000)
  utimesSync(path, when, when)
}

describe("MediaLibrary.resolve", () => {
  it.scoped("serves the sample by its URL path, its bare name and the root-name alias, loaded once", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        const library = yield* f.library()
        const byUrl = yield* library.resolve("/movie.Mjpeg")
        const bare = yield* library.resolve("movie.Mjpeg")
        const alias = yield* library.resolve("video/movie.Mjpeg")
        const withQuery = yield* library.resolve("/movie.Mjpeg?start=0")
        same(yield* library.resolve("/movie.Mjpeg/"), byUrl)
        same(bare, byUrl)
        same(alias, byUrl)
        same(withQuery, byUrl)
        expect(f.loads).toEqual([join(f.root, "movie.Mjpeg")])

        const stat = statSync(join(f.root, "movie.Mjpeg"))
        expect(byUrl.urlPath).toBe("movie.Mjpeg")
        expect(byUrl.file.path).toBe(join(f.root, "movie.Mjpeg"))
        expect(byUrl.version).toBe(`${stat.mtime.getTime()}:${stat.size}:${stat.ino}`)
        expect([byUrl.file.frames.length, byUrl.fps, byUrl.durationSeconds]).toEqual([200, 20, 10])
        expect([byUrl.file.standard.servable, byUrl.file.classic.servable]).toEqual([true, true])
        const packets = byUrl.rfc2435Packets!
        expect(packets.length).toBe(200)
        expect(packets.every((frame) => frame.length > 1 && frame.every((p) => p.length <= 1400 - 12))).toBe(true)
      })
    ))

  it.scoped("shares the RFC 2435 payloads between resolves: the same arrays, computed once", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        const library = yield* f.library()
        const first = yield* library.resolve("movie.Mjpeg")
        const second = yield* library.resolve("/movie.Mjpeg")
        same(second.rfc2435Packets, first.rfc2435Packets)
        same(second.rfc2435Packets![7], first.rfc2435Packets![7])
        expect(f.loads.length).toBe(1)
      })
    ))

  it.scoped("resolves files in sub-folders and percent-encoded names", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        const library = yield* f.library()
        const clip = yield* library.resolve("/sub/clip%20one.mjpeg")
        expect(clip.urlPath).toBe("sub/clip one.mjpeg")
        expect(clip.file.container).toBe("raw")
        expect(clip.file.frames.map((frame) => frame.jpeg.equals([a, b, c][frame.index]!))).toEqual([true, true, true])
        expect(clip.rfc2435Packets!.length).toBe(3)
        same(yield* library.resolve("sub/./clip%20one.mjpeg"), clip)
        expect((yield* library.resolve("/MOVIE.MJPEG").pipe(Effect.flip))._tag).toBe("MediaNotFound")
      })
    ))

  it.scoped("the root-name alias gives way to a real folder of that name", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        mkdirSync(join(f.root, "video"))
        writeFileSync(join(f.root, "video", "movie.Mjpeg"), lab([a, b, c]))
        const library = yield* f.library()
        const inner = yield* library.resolve("video/movie.Mjpeg")
        expect(inner.urlPath).toBe("video/movie.Mjpeg")
        expect(inner.file.frames.length).toBe(3)
        expect((yield* library.resolve("movie.Mjpeg")).file.frames).toHaveLength(200)
      })
    ))

  it.scoped("a symlink inside the root is served, sharing the loaded file, under its own name", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        const library = yield* f.library()
        const movie = yield* library.resolve("movie.Mjpeg")
        const link = yield* library.resolve("link.Mjpeg")
        expect(link.urlPath).toBe("link.Mjpeg")
        same(link.file, movie.file)
        same(link.rfc2435Packets, movie.rfc2435Packets)
        expect(f.loads.length).toBe(1)
      })
    ))

  const refusedPaths = (f: Fixture): ReadonlyArray<readonly [string, MediaNotFoundReason]> => [
    ["../secret.Mjpeg", "BadPath"],
    ["/../secret.Mjpeg", "BadPath"],
    ["sub/../../secret.Mjpeg", "BadPath"],
    ["%2e%2e/secret.Mjpeg", "BadPath"],
    ["%2E%2E%2Fsecret.Mjpeg", "BadPath"],
    ["/sub/..%2F..%2Fsecret.Mjpeg", "BadPath"],
    ["..\\secret.Mjpeg", "BadPath"],
    ["sub%5C..%5C..%5Csecret.Mjpeg", "BadPath"],
    [`/${f.outside}`, "BadPath"],
    [`%2F${encodeURIComponent(f.outside.slice(1))}`, "BadPath"],
    [`/%2F${f.outside.slice(1)}`, "BadPath"],
    // One leading "/" is the URL's: the rest is a path under the root, where it does not exist.
    [f.outside, "Missing"],
    ["C:/secret.Mjpeg", "BadPath"],
    ["c:secret.Mjpeg", "BadPath"],
    ["movie.Mjpeg%00.txt", "BadPath"],
    ["movie%00.Mjpeg", "BadPath"],
    ["movie\u0000.Mjpeg", "BadPath"],
    ["", "BadPath"],
    ["/", "BadPath"],
    ["%zz.Mjpeg", "BadEncoding"],
    ["movie%E0%A4%A.Mjpeg", "BadEncoding"],
    ["notes.txt", "NotMjpeg"],
    ["movie.Mjpeg.txt", "NotMjpeg"],
    ["sub", "NotMjpeg"],
    ["dir.mjpeg", "NotAFile"],
    ["missing.Mjpeg", "Missing"],
    ["sub/missing.mjpg", "Missing"],
    ["escape.Mjpeg", "OutsideRoot"],
    ["linkdir/secret.Mjpeg", "OutsideRoot"],
    ["video/escape.Mjpeg", "OutsideRoot"]
  ]

  it.scoped("refuses every path that is not an MJPEG file inside the root, never loading anything", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        const library = yield* f.library()
        for (const [target, reason] of refusedPaths(f)) {
          const error = yield* failure(library.resolve(target))
          expect(error, target).toBeInstanceOf(MediaNotFound)
          expect({ target, reason: error.reason }).toEqual({ target, reason })
          expect(error.target).toBe(target)
        }
        expect(f.loads).toEqual([])
      })
    ))

  it.scoped("a missing media folder is MediaNotFound for every request", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        const library = yield* f.library({ root: join(f.root, "nope") })
        const error = yield* failure(library.resolve("movie.Mjpeg"))
        expect([error._tag, error.reason]).toEqual(["MediaNotFound", "Missing"])
      })
    ))

  it.scoped("a file servable in the classic dialect only is returned, without RFC 2435 payloads", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        const library = yield* f.library()
        const media = yield* library.resolve("progressive.mjpg")
        expect([media.file.standard.servable, media.file.classic.servable]).toEqual([false, true])
        expect(media.rfc2435Packets).toBeUndefined()
        expect(media.file.problems.map((p) => p.code)).toContain("NotBaseline")
      })
    ))

  it.scoped("files servable in neither dialect are MediaUnavailable NotServable, naming the file and its problems", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        writeFileSync(join(f.root, "truncated.Mjpeg"), labFile([a, b]).subarray(0, a.length + 5 + 20))
        const library = yield* f.library()
        const cases = [
          ["/noise.Mjpeg", "noise.Mjpeg", "NotJpeg"],
          ["empty.Mjpeg", "empty.Mjpeg", "Empty"],
          ["truncated.Mjpeg", "truncated.Mjpeg", "TruncatedFrame"]
        ] as const
        for (const [target, name, code] of cases) {
          const error = yield* failure(library.resolve(target))
          expect(error, target).toBeInstanceOf(MediaUnavailable)
          if (error._tag !== "MediaUnavailable") continue
          expect([error.target, error.reason]).toEqual([target, "NotServable"])
          expect(error.problems.map((p) => p.code)).toContain(code)
          expect(error.message).toContain(`${name} cannot be served in either dialect`)
          expect(error.message).toContain(`${name}: `)
          // Problems are reported by the file's name under the root, not by where the root is.
          expect(error.message).not.toContain(f.root)
        }
      })
    ))

  it.scoped("a refusal is remembered until the file changes; a changed file is tried again", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        const path = join(f.root, "noise.Mjpeg")
        const library = yield* f.library()
        yield* failure(library.resolve("noise.Mjpeg"))
        const again = yield* failure(library.resolve("/noise.Mjpeg"))
        expect(again.target).toBe("/noise.Mjpeg")
        expect(f.loads.length).toBe(1)
        writeFileSync(path, lab([a, b]))
        touch(path, 10)
        const media = yield* library.resolve("noise.Mjpeg")
        expect(media.file.frames.length).toBe(2)
        expect(f.loads.length).toBe(2)
      })
    ))

  it.scoped("reloads a file that changed, for new callers; the old ServedMedia stays as it was", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        const path = join(f.root, "sub", "clip one.mjpeg")
        const library = yield* f.library()
        const before = yield* library.resolve("sub/clip%20one.mjpeg")
        writeFileSync(path, Buffer.concat([c, b, a, c, b]))
        touch(path, 10)
        const after = yield* library.resolve("sub/clip%20one.mjpeg")
        expect(after === before).toBe(false)
        expect(after.version).not.toBe(before.version)
        expect(after.file.frames.length).toBe(5)
        expect(after.rfc2435Packets!.length).toBe(5)
        expect(before.file.frames.length).toBe(3)
        expect(before.file.frames[0]!.jpeg.equals(a)).toBe(true)
        same(yield* library.resolve("sub/clip%20one.mjpeg"), after)
        expect(f.loads.length).toBe(2)

        // Same size, new mtime: still a change.
        writeFileSync(path, Buffer.concat([a, b, c, a, b]))
        touch(path, 20)
        const third = yield* library.resolve("sub/clip%20one.mjpeg")
        expect(third.file.frames[0]!.jpeg.equals(a)).toBe(true)
        expect(f.loads.length).toBe(3)
      })
    ))

  it.scoped("concurrent resolves of an uncached file load it once and get the same object", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        const library = yield* f.library()
        const targets = ["movie.Mjpeg", "/movie.Mjpeg", "video/movie.Mjpeg", "movie.Mjpeg", "/movie.Mjpeg?x", "movie.Mjpeg", "movie.Mjpeg", "/movie.Mjpeg"]
        const all = yield* Effect.forEach(targets, (target) => library.resolve(target), { concurrency: "unbounded" })
        expect(f.loads).toEqual([join(f.root, "movie.Mjpeg")])
        expect(all.every((media) => media === all[0])).toBe(true)
      })
    ))

  it.scopedLive("callers interrupted while a load is under way leave the cache usable", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        const library = yield* f.library()
        const fibers = yield* Effect.forEach(["movie.Mjpeg", "movie.Mjpeg", "link.Mjpeg"], (target) => Effect.fork(library.resolve(target)))
        yield* Effect.yieldNow()
        yield* Effect.forEach(fibers, Fiber.interrupt)
        const media = yield* library.resolve("movie.Mjpeg").pipe(Effect.timeout("20 seconds"))
        expect(media.file.frames.length).toBe(200)
        expect(f.loads.length).toBeLessThanOrEqual(1)
        same(yield* library.resolve("/movie.Mjpeg"), media)
      })
    ))

  it.scoped("concurrent resolves of a refused file load it once and all fail", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        const library = yield* f.library()
        const errors = yield* Effect.forEach(
          Array.from({ length: 6 }, () => "noise.Mjpeg"),
          (target) => failure(library.resolve(target)),
          { concurrency: "unbounded" }
        )
        expect(errors.map((e) => e._tag)).toEqual(Array.from({ length: 6 }, () => "MediaUnavailable"))
        expect(f.loads.length).toBe(1)
      })
    ))

  it.scoped("fps and MTU options: the rate overrides the file's, payloads fit the MTU", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        const library = yield* f.library({ fps: 10, mtu: 300 })
        const clip = yield* library.resolve("sub/clip one.mjpeg")
        expect([clip.fps, clip.durationSeconds]).toEqual([10, 0.3])
        const movie = yield* library.resolve("movie.Mjpeg")
        expect([movie.fps, movie.durationSeconds]).toEqual([10, 20])
        const sizes = movie.rfc2435Packets!.flat().map((p) => p.length)
        expect(Math.max(...sizes)).toBeLessThanOrEqual(300 - 12)
        expect(sizes.length).toBeGreaterThan(200 * 20)
      })
    ))

  it.scoped("an MTU too small for RFC 2435 turns the standard dialect off, and refuses files only it could serve", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        writeFileSync(join(f.root, "big.Mjpeg"), lab([bigNoise, bigNoise]))
        const library = yield* f.library({ mtu: 100 })
        const movie = yield* library.resolve("movie.Mjpeg")
        expect([movie.file.standard.servable, movie.file.classic.servable]).toEqual([false, true])
        expect(movie.rfc2435Packets).toBeUndefined()
        const error = yield* failure(library.resolve("big.Mjpeg"))
        expect(error._tag).toBe("MediaUnavailable")
        expect(error.message).toContain("cannot be packetized for RFC 2435")
        expect(error.message).toContain("big.Mjpeg cannot be served in either dialect")
        expect(error._tag === "MediaUnavailable" && error.problems.map((p) => p.code)).toContain("TooLargeForClassic")
      })
    ))
})
