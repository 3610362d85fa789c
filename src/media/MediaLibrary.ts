/**
 * The server's view of the media folder: safe resolution of request paths to
 * files under one root, and a cache so that each file is read, validated and
 * packetized once (again only when it changes on disk). Every session that
 * plays a file shares one ServedMedia: one buffer, one set of RTP payloads.
 *
 * Where a request path leads (realpath of the root and of the file, a chain of
 * lstat calls) is remembered for RESOLUTION_TTL_MS; the file itself is stat'ed
 * on every request, so a file changed, replaced or removed is noticed at once,
 * and only a path that starts to lead elsewhere (a symlink retargeted, a
 * folder renamed) takes up to that long to be followed.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Cause, Clock, Context, Data, Deferred, Effect, Either, Exit, Layer, Option } from "effect"
import type { PacketizeError } from "../protocol/jpeg/rfc2435Packetizer.js"
import { packetizeFrames } from "./libraryPackets.js"
import { type BadPathReason, toRelativeMediaPath } from "./libraryPath.js"
import { isInsideFolder, listMjpegNames } from "./libraryWalk.js"
import { loadMjpegFile, type MediaError, type MjpegFile } from "./MjpegFile.js"
import { formatProblems, type MediaProblem, mediaProblem } from "./problems.js"

export interface ServedMedia {
  /** Path relative to the root with forward slashes, e.g. "movie.Mjpeg", "sub/clip.mjpeg". */
  readonly urlPath: string
  /** The analysis (frames are views into one buffer); `file.path` is the real path. */
  readonly file: MjpegFile
  /** options.fps ?? the file's own rate. */
  readonly fps: number
  /** RTP payloads per frame for RFC 2435 at the library's MTU; present iff file.standard.servable. Computed ONCE per load, shared by every session. */
  readonly rfc2435Packets: ReadonlyArray<ReadonlyArray<Buffer>> | undefined
  /** frames / fps */
  readonly durationSeconds: number
  /** `${mtimeMs}:${size}:${ino}`: changes when the file changes. */
  readonly version: string
}

export type MediaNotFoundReason =
  /** Malformed percent-encoding. */
  | "BadEncoding"
  /** NUL, backslash, absolute path, drive letter, `..`, or no file name at all. */
  | "BadPath"
  /** Not a .Mjpeg/.mjpeg/.mjpg name. */
  | "NotMjpeg"
  /** No such file (or the media folder itself is missing). */
  | "Missing"
  /** A symlink that leads out of the media folder. */
  | "OutsideRoot"
  /** A directory or something else that is not a regular file. */
  | "NotAFile"

export class MediaNotFound extends Data.TaggedError("MediaNotFound")<{
  readonly target: string
  readonly reason: MediaNotFoundReason
  readonly message: string
}> {}

export class MediaUnavailable extends Data.TaggedError("MediaUnavailable")<{
  readonly target: string
  readonly reason: "Unreadable" | "NotServable"
  readonly problems: ReadonlyArray<MediaProblem>
  readonly message: string
  readonly cause?: unknown
}> {}

export interface MediaLibraryOptions {
  readonly root: string
  /** Largest RTP packet (12-byte header included) for RFC 2435 payloads. */
  readonly mtu: number
  /** Overrides the rate recorded in each file. */
  readonly fps?: number | undefined
  /** Called with the real path each time a file is actually read (tests count loads with it). */
  readonly onLoad?: ((realPath: string) => void) | undefined
}

export interface MediaScan {
  readonly servable: ReadonlyArray<ServedMedia>
  readonly refused: ReadonlyArray<{ readonly urlPath: string; readonly reason: string }>
}

export class MediaLibrary extends Context.Tag("effect-rtsp/MediaLibrary")<MediaLibrary, {
  /** Resolve a request path (already stripped of scheme/host; may be percent-encoded; may have a leading "/") to a loaded file. */
  readonly resolve: (path: string) => Effect.Effect<ServedMedia, MediaNotFound | MediaUnavailable>
  /** Every MJPEG file (.Mjpeg/.mjpeg/.mjpg, any case) under the root, recursively: loaded ones and refused ones with reasons. */
  readonly scan: Effect.Effect<MediaScan>
}>() {}

type LibraryError = MediaNotFound | MediaUnavailable

interface CacheEntry {
  readonly version: string
  readonly result: Deferred.Deferred<ServedMedia, LibraryError>
  /** The loaded media once `result` has succeeded: a later caller takes it without waiting on the Deferred. */
  loaded: ServedMedia | undefined
}

/** A file found under the root: its canonical relative name and its real path. */
interface Located {
  readonly urlPath: string
  readonly realPath: string
}

/** Where a relative path was found, and when (clock millis). */
interface Resolution {
  readonly located: Located
  readonly at: number
}

/**
 * How long a path's resolution is reused. Short, since it is how late a retargeted symlink or a
 * renamed folder is followed; long enough that a burst of DESCRIBE/SETUP requests resolves once.
 */
export const RESOLUTION_TTL_MS = 1000

/** Lines of problems quoted in a NotServable message; the full list is in `problems`. */
const MESSAGE_PROBLEM_LINES = 5
const SCAN_CONCURRENCY = 2

const notServableMessage = (urlPath: string, problems: ReadonlyArray<MediaProblem>, extra: ReadonlyArray<string>): string => {
  const lines = [...extra, ...formatProblems(urlPath, problems, { maxPerCode: 3 })]
  const shown = lines.slice(0, MESSAGE_PROBLEM_LINES)
  const more = lines.length - shown.length
  return [
    `${urlPath} cannot be served in either dialect (${problems.length} problem${problems.length === 1 ? "" : "s"}):`,
    ...shown.map((line) => `  ${line}`),
    ...(more > 0 ? [`  … ${more} more line${more === 1 ? "" : "s"}`] : [])
  ].join("\n")
}

const packetizeMessage = (frameIndex: number, error: PacketizeError): string =>
  `frame ${frameIndex} cannot be packetized for RFC 2435: ${error.message}`

const versionOf = (info: FileSystem.File.Info): string =>
  `${Option.match(info.mtime, { onNone: () => 0, onSome: (d) => d.getTime() })}:${info.size}:${Option.getOrElse(info.ino, () => 0)}`

export const make = (options: MediaLibraryOptions): Effect.Effect<MediaLibrary["Type"], never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const root = path.resolve(options.root)
    const cache = new Map<string, CacheEntry>()
    // Keyed by the canonical relative path; only paths that led to a file are kept, so the
    // keys are bounded by the files (and their aliases) under the root.
    const resolutions = new Map<string, Resolution>()

    const notFound = (target: string, reason: MediaNotFoundReason, why: string) =>
      new MediaNotFound({ target, reason, message: `${target}: ${why}` })

    const realRoot = (target: string) =>
      Effect.mapError(fs.realPath(root), () => notFound(target, "Missing", "the media folder does not exist"))

    /**
     * Finds `relative` (already checked by toRelativeMediaPath) under the root.
     * `video/movie.Mjpeg` also finds `movie.Mjpeg` when the root is named
     * `video` and has no `video` folder of its own (the classic client's habit).
     */
    const locate = (target: string, relative: string): Effect.Effect<Located, MediaNotFound> =>
      Effect.gen(function*() {
        const base = yield* realRoot(target)
        const [first, ...rest] = relative.split("/")
        const candidates = [relative]
        if (rest.length > 0 && (first === path.basename(root) || first === path.basename(base))) {
          candidates.push(rest.join("/"))
        }
        for (const candidate of candidates) {
          const real = yield* Effect.option(fs.realPath(path.join(base, ...candidate.split("/"))))
          if (Option.isNone(real)) continue
          if (!isInsideFolder(path, base, real.value)) return yield* notFound(target, "OutsideRoot", "leads outside the media folder")
          return { urlPath: candidate, realPath: real.value }
        }
        return yield* notFound(target, "Missing", "no such file in the media folder")
      })

    /** MediaError messages start with the real path; ours name the file by its path under the root. */
    const withoutPath = (error: MediaError): string => {
      const prefix = `${error.path}: `
      return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message
    }

    const unavailable = (error: MediaError, urlPath: string): LibraryError => {
      switch (error.reason) {
        case "NotFound":
          return notFound(urlPath, "Missing", "no such file in the media folder")
        case "Unreadable":
          return new MediaUnavailable({ target: urlPath, reason: "Unreadable", problems: [], message: `${urlPath}: ${withoutPath(error)}`, cause: error })
        case "UnknownFormat": {
          const problems = [mediaProblem("NotJpeg", 0, withoutPath(error))]
          return new MediaUnavailable({ target: urlPath, reason: "NotServable", problems, message: notServableMessage(urlPath, problems, []) })
        }
        case "NotServable":
          return new MediaUnavailable({ target: urlPath, reason: "NotServable", problems: error.problems, message: notServableMessage(urlPath, error.problems, []) })
      }
    }

    /** Read, validate and packetize: the expensive part, run once per (real path, version). */
    const load = (located: Located, version: string): Effect.Effect<ServedMedia, LibraryError> =>
      Effect.gen(function*() {
        const { urlPath, realPath } = located
        options.onLoad?.(realPath)
        const loaded = yield* loadMjpegFile(realPath, {
          fileName: urlPath,
          ...(options.fps === undefined ? {} : { fps: options.fps })
        }).pipe(
          Effect.mapError((error) => unavailable(error, urlPath)),
          Effect.provideService(FileSystem.FileSystem, fs)
        )
        let file: MjpegFile = loaded
        let rfc2435Packets: ReadonlyArray<ReadonlyArray<Buffer>> | undefined
        const notes: Array<string> = []
        if (loaded.standard.servable && loaded.rfc2435Frames !== undefined) {
          const packets = packetizeFrames(loaded.rfc2435Frames, options.mtu)
          if (Either.isRight(packets)) {
            rfc2435Packets = packets.right
          } else {
            // Only an MTU too small for the headers (or a >16 MB scan) gets here: the standard dialect is off for this file.
            const note = packetizeMessage(packets.left.frameIndex, packets.left.error)
            notes.push(`${urlPath}: ${note}`)
            file = { ...loaded, standard: { servable: false } }
            yield* Effect.logWarning(`${urlPath}: not servable to standard clients: ${note}`)
          }
        }
        if (!file.standard.servable && !file.classic.servable) {
          return yield* new MediaUnavailable({
            target: urlPath,
            reason: "NotServable",
            problems: file.problems,
            message: notServableMessage(urlPath, file.problems, notes)
          })
        }
        const fps = file.fps
        return { urlPath, file, fps, rfc2435Packets, durationSeconds: file.frames.length / fps, version }
      })

    /** A failure worth remembering until the file changes: it would come out the same. */
    const isCacheable = (exit: Exit.Exit<ServedMedia, LibraryError>): boolean =>
      Exit.match(exit, {
        onSuccess: () => true,
        onFailure: (cause) =>
          Option.exists(Cause.failureOption(cause), (error) => error._tag === "MediaUnavailable" && error.reason === "NotServable")
      })

    /** The cached ServedMedia for this file, loading it when absent or changed; concurrent callers share one load. */
    const serve = (target: string, located: Located): Effect.Effect<ServedMedia, LibraryError> =>
      Effect.gen(function*() {
        const info = yield* Effect.mapError(fs.stat(located.realPath), () => notFound(target, "Missing", "no such file in the media folder"))
        if (info.type !== "File") return yield* notFound(target, "NotAFile", "not a regular file")
        const version = versionOf(info)
        const known = cache.get(located.realPath)
        if (known?.version === version && known.loaded !== undefined) return named(known.loaded, located)
        // Claim, load and complete without interruption in between: a Deferred left in the cache
        // uncompleted would hang every later caller. Only the wait itself can be interrupted.
        const media = yield* Effect.uninterruptibleMask((restore) =>
          Effect.gen(function*() {
            const fresh = yield* Deferred.make<ServedMedia, LibraryError>()
            // Check and claim in one synchronous step, so that only one fiber loads.
            const { entry, owner } = yield* Effect.sync(() => {
              const current = cache.get(located.realPath)
              if (current !== undefined && current.version === version) return { entry: current, owner: false }
              const claimed: CacheEntry = { version, result: fresh, loaded: undefined }
              cache.set(located.realPath, claimed)
              return { entry: claimed, owner: true }
            })
            if (owner) {
              const exit = yield* Effect.exit(load(located, version))
              if (!isCacheable(exit) && cache.get(located.realPath) === entry) cache.delete(located.realPath)
              if (Exit.isSuccess(exit)) entry.loaded = exit.value
              yield* Deferred.done(entry.result, exit)
            }
            return yield* restore(Effect.mapError(Deferred.await(entry.result), (error) => retarget(error, target)))
          })
        )
        return named(media, located)
      })

    /** The same file reached under another name (a symlink, the root-name alias): same data, the caller's name. */
    const named = (media: ServedMedia, located: Located): ServedMedia =>
      media.urlPath === located.urlPath ? media : { ...media, urlPath: located.urlPath }

    const retarget = (error: LibraryError, target: string): LibraryError => {
      if (error.target === target) return error
      return error._tag === "MediaNotFound"
        ? new MediaNotFound({ target, reason: error.reason, message: error.message })
        : new MediaUnavailable({
          target,
          reason: error.reason,
          problems: error.problems,
          message: error.message,
          ...(error.cause === undefined ? {} : { cause: error.cause })
        })
    }

    const resolve = (target: string): Effect.Effect<ServedMedia, LibraryError> =>
      Effect.gen(function*() {
        const relative = toRelativeMediaPath(target)
        if (Either.isLeft(relative)) {
          const reason: BadPathReason = relative.left.reason
          return yield* notFound(target, reason, relative.left.message)
        }
        const now = yield* Clock.currentTimeMillis
        const known = resolutions.get(relative.right)
        if (known !== undefined && now - known.at < RESOLUTION_TTL_MS) {
          const served = yield* Effect.either(serve(target, known.located))
          // Missing or not a file any more: the path may lead elsewhere now, so it is resolved afresh.
          if (Either.isRight(served) || served.left._tag !== "MediaNotFound") return yield* served
          resolutions.delete(relative.right)
        }
        const located = yield* locate(target, relative.right)
        resolutions.set(relative.right, { located, at: now })
        return yield* serve(target, located)
      })

    const scan: Effect.Effect<MediaScan> = Effect.gen(function*() {
      const base = yield* Effect.either(fs.realPath(root))
      if (Either.isLeft(base)) {
        return { servable: [], refused: [{ urlPath: ".", reason: `the media folder ${root} cannot be read: ${base.left.message}` }] }
      }
      const names = [...yield* listMjpegNames(fs, path, base.right)].sort()
      const seen = new Set<string>()
      const results = yield* Effect.forEach(
        names,
        (urlPath) =>
          locate(urlPath, urlPath).pipe(
            Effect.tap((located) => Effect.sync(() => seen.add(located.realPath))),
            Effect.flatMap((located) => serve(urlPath, located)),
            Effect.either,
            Effect.map((result) => ({ urlPath, result }))
          ),
        { concurrency: SCAN_CONCURRENCY }
      )
      // Forget files that are gone, so that their buffers can be collected.
      for (const key of cache.keys()) if (!seen.has(key)) cache.delete(key)
      const servable: Array<ServedMedia> = []
      const refused: Array<{ readonly urlPath: string; readonly reason: string }> = []
      for (const { urlPath, result } of results) {
        if (Either.isRight(result)) servable.push(result.right)
        else refused.push({ urlPath, reason: result.left.message })
      }
      return { servable, refused }
    })

    return MediaLibrary.of({ resolve, scan })
  })

export const layer = (options: MediaLibraryOptions): Layer.Layer<MediaLibrary, never, FileSystem.FileSystem | Path.Path> =>
  Layer.effect(MediaLibrary, make(options))
