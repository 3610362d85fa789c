/** Shared fixture for the MediaLibrary tests: a temporary media root with valid, refused, linked and outside files. */
import { NodeContext } from "@effect/platform-node"
import { expect } from "@effect/vitest"
import { Effect, Either } from "effect"
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { encodeLabMjpeg } from "../../src/media/container.js"
import { type MediaLibraryOptions, make } from "../../src/media/MediaLibrary.js"
import { makeJpeg, noise } from "./craft.js"

const MOVIE = resolve("video/movie.Mjpeg")
export const a = await makeJpeg({ background: "#336699" })
export const b = await makeJpeg({ background: "#993366" })
export const c = await makeJpeg({ background: "#669933" })
const progressive = await makeJpeg({ progressive: true })

/** Identity, without letting vitest print (or diff) megabytes of buffers when it fails. */
export const same = (actual: unknown, expected: unknown) => expect(actual === expected, "expected the very same object").toBe(true)

export const lab = (frames: ReadonlyArray<Buffer>): Buffer => Either.getOrThrow(encodeLabMjpeg(frames))

export interface Fixture {
  /** The media root, named `video` like the project's own folder. */
  readonly root: string
  /** A valid MJPEG file next to the root, that nothing may ever serve. */
  readonly outside: string
  /** Real paths passed to onLoad, in order. */
  readonly loads: Array<string>
  readonly library: (options?: Partial<MediaLibraryOptions>) => ReturnType<typeof make>
}

/**
 * tmp/xxx/video/                     the root
 *   movie.Mjpeg                      copy of the project's sample (standard + classic)
 *   sub/clip one.mjpeg               3 small frames, raw container
 *   progressive.mjpg                 classic only
 *   noise.Mjpeg                      random bytes: neither dialect
 *   empty.Mjpeg                      neither dialect
 *   notes.txt, dir.mjpeg/            not MJPEG files
 *   link.Mjpeg -> movie.Mjpeg        symlink inside
 *   escape.Mjpeg -> ../outside/secret.Mjpeg, linkdir -> ../outside   symlinks out
 * tmp/xxx/outside/secret.Mjpeg, tmp/xxx/secret.Mjpeg   valid files outside the root
 */
const fixture = Effect.acquireRelease(
  Effect.sync((): Fixture => {
    const base = mkdtempSync(join(tmpdir(), "effect-rtsp-library-"))
    const root = join(base, "video")
    const outsideDir = join(base, "outside")
    mkdirSync(join(root, "sub"), { recursive: true })
    mkdirSync(join(root, "dir.mjpeg"))
    mkdirSync(outsideDir)
    copyFileSync(MOVIE, join(root, "movie.Mjpeg"))
    writeFileSync(join(root, "sub", "clip one.mjpeg"), Buffer.concat([a, b, c]))
    writeFileSync(join(root, "progressive.mjpg"), lab([progressive, progressive]))
    writeFileSync(join(root, "noise.Mjpeg"), noise(4096, 11))
    writeFileSync(join(root, "empty.Mjpeg"), Buffer.alloc(0))
    writeFileSync(join(root, "notes.txt"), "not a video")
    const outside = join(outsideDir, "secret.Mjpeg")
    writeFileSync(outside, lab([a, b]))
    writeFileSync(join(base, "secret.Mjpeg"), lab([a, b]))
    symlinkSync("movie.Mjpeg", join(root, "link.Mjpeg"))
    symlinkSync(join("..", "outside", "secret.Mjpeg"), join(root, "escape.Mjpeg"))
    symlinkSync(join("..", "outside"), join(root, "linkdir"))
    const loads: Array<string> = []
    return {
      root,
      outside,
      loads,
      library: (options = {}) => make({ root, mtu: 1400, onLoad: (path) => loads.push(path), ...options })
    }
  }),
  (f) => Effect.sync(() => rmSync(resolve(f.root, ".."), { recursive: true, force: true }))
)

export const withFixture = <A, E>(body: (f: Fixture) => Effect.Effect<A, E, NodeContext.NodeContext>) =>
  Effect.flatMap(fixture, body).pipe(Effect.provide(NodeContext.layer))
