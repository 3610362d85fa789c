/** MediaLibrary.scan: listing every MJPEG file under the root, servable and refused, without following links out. */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { symlinkSync } from "node:fs"
import { join } from "node:path"
import { same, withFixture } from "./mediaLibraryKit.js"

describe("MediaLibrary.scan", () => {
  it.scoped("lists every MJPEG file under the root: servable ones and refused ones with reasons", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        // Links that a naive recursive listing would follow: to the root itself, out of it, to a folder seen already.
        symlinkSync(".", join(f.root, "loop"))
        symlinkSync("..", join(f.root, "up"))
        symlinkSync("sub", join(f.root, "zsub"))
        const library = yield* f.library()
        const { servable, refused } = yield* library.scan
        expect(servable.map((m) => m.urlPath)).toEqual(["link.Mjpeg", "movie.Mjpeg", "progressive.mjpg", "sub/clip one.mjpeg"])
        expect(refused.map((r) => r.urlPath)).toEqual(["empty.Mjpeg", "escape.Mjpeg", "noise.Mjpeg"])
        for (const r of refused) expect(r.reason, r.urlPath).toContain(r.urlPath)
        expect(refused.find((r) => r.urlPath === "escape.Mjpeg")!.reason).toContain("outside the media folder")
        // The link and the movie are one file, loaded once; nothing outside the root was read.
        expect(f.loads.filter((p) => p.endsWith("movie.Mjpeg"))).toHaveLength(1)
        expect(f.loads.every((p) => p.startsWith(f.root))).toBe(true)
        // A scan warms the cache for resolve: the same frames, not a second load. (The wrapper object may
        // differ: link.Mjpeg and movie.Mjpeg are scanned concurrently and either may claim the load.)
        const resolved = yield* library.resolve("movie.Mjpeg")
        expect(resolved.urlPath).toBe("movie.Mjpeg")
        same(resolved.file, servable[1]!.file)
        same(servable[0]!.file, servable[1]!.file)
        expect(f.loads.filter((p) => p.endsWith("movie.Mjpeg"))).toHaveLength(1)
      })
    ))

  it.scoped("a missing media folder is one refusal, not a failure", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        const library = yield* f.library({ root: join(f.root, "nope") })
        const { servable, refused } = yield* library.scan
        expect(servable).toEqual([])
        expect(refused.length).toBe(1)
        expect(refused[0]!.reason).toContain("cannot be read")
      })
    ))
})
