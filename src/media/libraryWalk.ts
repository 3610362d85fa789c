/**
 * Lists MJPEG file names under the media root for MediaLibrary.scan. Written
 * by hand rather than with a recursive readDirectory, because that follows
 * symlinked folders: it would list folders outside the root, and loop on a
 * link to an ancestor. Here a folder is entered only when its real path is
 * inside the root and has not been entered before.
 */
import type { FileSystem, Path } from "@effect/platform"
import { Effect, Option } from "effect"
import { isMjpegFileName } from "./libraryPath.js"

/** Deeper folders are not listed (they can still be resolved by name). */
export const MAX_SCAN_DEPTH = 32

export const isInsideFolder = (path: Path.Path, folder: string, candidate: string): boolean => {
  const relative = path.relative(folder, candidate)
  return relative !== "" && relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative)
}

/**
 * URL paths ("sub/clip.mjpeg") of every entry with an MJPEG name that is not
 * a folder, in name order, including ones that lead outside the root or
 * nowhere (the library refuses those with a reason).
 */
export const listMjpegNames = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  realRoot: string
): Effect.Effect<ReadonlyArray<string>> =>
  Effect.gen(function*() {
    const found: Array<string> = []
    const entered = new Set<string>([realRoot])
    const walk = (folder: string, prefix: string, depth: number): Effect.Effect<void> =>
      Effect.gen(function*() {
        const names = yield* fs.readDirectory(folder).pipe(
          Effect.tapError((error) => Effect.logWarning(`media folder ${prefix || "."} cannot be listed: ${error.message}`)),
          Effect.orElseSucceed((): ReadonlyArray<string> => [])
        )
        for (const name of [...names].sort()) {
          const urlPath = prefix === "" ? name : `${prefix}/${name}`
          const real = yield* Effect.option(fs.realPath(path.join(folder, name)))
          const inside = Option.isSome(real) && isInsideFolder(path, realRoot, real.value)
          const info = inside ? yield* Effect.option(fs.stat(real.value)) : Option.none()
          if (Option.isSome(info) && info.value.type === "Directory") {
            if (depth < MAX_SCAN_DEPTH && Option.isSome(real) && !entered.has(real.value)) {
              entered.add(real.value)
              yield* walk(real.value, urlPath, depth + 1)
            }
          } else if (isMjpegFileName(name)) {
            found.push(urlPath)
          }
        }
      })
    yield* walk(realRoot, "", 0)
    return found
  })
