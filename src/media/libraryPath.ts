/**
 * The first, pure half of path safety for the media library: turns a request
 * path into a relative path under the media root, or says why it cannot be
 * one. The second half (realPath, then "still inside the root?") needs the
 * file system and lives in MediaLibrary.ts.
 */
import { Either } from "effect"

export type BadPathReason = "BadEncoding" | "BadPath" | "NotMjpeg"

export interface BadPath {
  readonly reason: BadPathReason
  readonly message: string
}

/** .Mjpeg (the lab's), .mjpeg and .mjpg, in any case. */
const MJPEG_EXTENSION = /\.(?:mjpeg|mjpg)$/i

export const isMjpegFileName = (name: string): boolean => MJPEG_EXTENSION.test(name)

const bad = (reason: BadPathReason, message: string): Either.Either<never, BadPath> => Either.left({ reason, message })

/**
 * `"/sub/clip%20a.mjpeg?x"` -> `"sub/clip a.mjpeg"`: the query and fragment are
 * cut (they are not part of a path), ONE leading "/" is stripped, the rest is
 * percent-decoded, and then refused if it could name anything outside the
 * root: NUL, a backslash, an absolute path or drive letter, a `..` segment.
 * Empty and `.` segments are dropped, so the result is canonical.
 */
export const toRelativeMediaPath = (target: string): Either.Either<string, BadPath> => {
  const cut = target.search(/[?#]/)
  const raw = cut === -1 ? target : target.slice(0, cut)
  const withoutSlash = raw.startsWith("/") ? raw.slice(1) : raw
  let decoded: string
  try {
    decoded = decodeURIComponent(withoutSlash)
  } catch {
    return bad("BadEncoding", "malformed percent-encoding")
  }
  if (decoded.includes("\0")) return bad("BadPath", "NUL in the path")
  if (decoded.includes("\\")) return bad("BadPath", "backslash in the path")
  if (decoded.startsWith("/")) return bad("BadPath", "absolute path")
  if (/^[A-Za-z]:/.test(decoded)) return bad("BadPath", "drive letter in the path")
  const segments = decoded.split("/")
  if (segments.includes("..")) return bad("BadPath", "'..' in the path")
  const kept = segments.filter((segment) => segment !== "" && segment !== ".")
  if (kept.length === 0) return bad("BadPath", "no file named")
  const relative = kept.join("/")
  if (!isMjpegFileName(relative)) return bad("NotMjpeg", "not an MJPEG file name (.Mjpeg, .mjpeg or .mjpg)")
  return Either.right(relative)
}
