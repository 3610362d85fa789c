/** MediaLibrary.resolve reuses where a path leads for RESOLUTION_TTL_MS, yet notices a changed, replaced or removed file at once. */
import * as FileSystem from "@effect/platform/FileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, TestClock } from "effect"
import { renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { MediaNotFound, RESOLUTION_TTL_MS } from "../../src/media/MediaLibrary.js"
import { a, b, c, lab, same, withFixture } from "./mediaLibraryKit.js"

const notFoundReason = (error: unknown): string | undefined => (error instanceof MediaNotFound ? error.reason : undefined)

/** Points the fixture's `link.Mjpeg` at `target` (relative to the root). */
const relink = (root: string, target: string) => {
  rmSync(join(root, "link.Mjpeg"))
  symlinkSync(target, join(root, "link.Mjpeg"))
}

describe("MediaLibrary resolution cache", () => {
  it.scoped("repeated resolves of a path resolve it once per RESOLUTION_TTL_MS, and stat the file every time", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        const calls = { realPath: 0, stat: 0 }
        const library = yield* f.library().pipe(
          Effect.updateService(FileSystem.FileSystem, (fs) => ({
            ...fs,
            realPath: (path: string) => Effect.suspend(() => (calls.realPath++, fs.realPath(path))),
            stat: (path: string) => Effect.suspend(() => (calls.stat++, fs.stat(path)))
          }))
        )
        const first = yield* library.resolve("movie.Mjpeg")
        const afterFirst = calls.realPath
        expect(afterFirst).toBeGreaterThan(0)
        for (let i = 0; i < 5; i++) same(yield* library.resolve("/movie.Mjpeg"), first)
        expect(calls.realPath).toBe(afterFirst)
        expect(calls.stat).toBe(6)
        yield* TestClock.adjust(Duration.millis(RESOLUTION_TTL_MS))
        same(yield* library.resolve("movie.Mjpeg"), first)
        expect(calls.realPath).toBe(2 * afterFirst)
        expect(f.loads).toHaveLength(1)
      })
    ))

  it.scoped("a removed file is noticed at once", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        const library = yield* f.library()
        yield* library.resolve("sub/clip%20one.mjpeg")
        rmSync(join(f.root, "sub", "clip one.mjpeg"))
        const error = yield* Effect.flip(library.resolve("sub/clip%20one.mjpeg"))
        expect(notFoundReason(error)).toBe("Missing")
      })
    ))

  it.scoped("a file replaced by another one (renamed over it) is served at once", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        const library = yield* f.library()
        expect((yield* library.resolve("sub/clip%20one.mjpeg")).file.frames).toHaveLength(3)
        const replacement = join(f.root, "sub", "replacement.tmp")
        writeFileSync(replacement, Buffer.concat([a, b, c, a]))
        renameSync(replacement, join(f.root, "sub", "clip one.mjpeg"))
        expect((yield* library.resolve("sub/clip%20one.mjpeg")).file.frames).toHaveLength(4)
        expect(f.loads).toHaveLength(2)
      })
    ))

  it.scoped("a symlink retargeted is followed once RESOLUTION_TTL_MS has passed; until then it serves its old target inside the root", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        const library = yield* f.library()
        expect((yield* library.resolve("link.Mjpeg")).file.frames).toHaveLength(200)
        relink(f.root, "sub/clip one.mjpeg")
        expect((yield* library.resolve("link.Mjpeg")).file.frames).toHaveLength(200)
        yield* TestClock.adjust(Duration.millis(RESOLUTION_TTL_MS))
        expect((yield* library.resolve("link.Mjpeg")).file.frames).toHaveLength(3)

        // Retargeted out of the root: refused as soon as the path is resolved again, never served.
        relink(f.root, join("..", "outside", "secret.Mjpeg"))
        expect((yield* library.resolve("link.Mjpeg")).file.frames).toHaveLength(3)
        yield* TestClock.adjust(Duration.millis(RESOLUTION_TTL_MS))
        expect(notFoundReason(yield* Effect.flip(library.resolve("link.Mjpeg")))).toBe("OutsideRoot")
      })
    ))

  it.scoped("when the file a cached path led to is gone, the path is resolved afresh at once", () =>
    withFixture((f) =>
      Effect.gen(function*() {
        writeFileSync(join(f.root, "other.Mjpeg"), lab([a, b]))
        relink(f.root, "other.Mjpeg")
        const library = yield* f.library()
        expect((yield* library.resolve("link.Mjpeg")).file.frames).toHaveLength(2)
        rmSync(join(f.root, "other.Mjpeg"))
        relink(f.root, "sub/clip one.mjpeg")
        const media = yield* library.resolve("link.Mjpeg")
        expect(media.urlPath).toBe("link.Mjpeg")
        expect(media.file.frames).toHaveLength(3)
      })
    ))
})
