/**
 * Where a request points: the media path and the track, from either an
 * rtsp:// URL (standard dialect) or a bare file name (classic dialect).
 * Security-relevant: the path is kept as sent (still percent-encoded, `..`
 * not resolved) so the media library sees and refuses a traversal attempt.
 */

export interface RequestTarget {
  /** Path under the media root, still percent-encoded (the library decodes and checks it). */
  readonly mediaPath: string
  /** `streamid=0`-style track control, when the URL named one. */
  readonly track: string | undefined
  /** rtsp://host:port/path/ — Content-Base for DESCRIBE. */
  readonly base: string | undefined
}

const TRACK = /^(streamid|trackID|track|stream)=\d+$/i

export const parseRequestTarget = (uri: string): RequestTarget | undefined => {
  let path: string
  let origin: string | undefined
  if (/^rtsps?:\/\//i.test(uri)) {
    let url: URL
    try {
      url = new URL(uri)
    } catch {
      return undefined
    }
    // The path as sent, not url.pathname: URL parsing resolves `..` and `%2e%2e`, which would hide a
    // traversal attempt from the media library (it refuses `..` with 404).
    path = /^rtsps?:\/\/[^/?#]*([^?#]*)/i.exec(uri)?.[1] ?? ""
    origin = `${url.protocol}//${url.host}`
  } else {
    path = uri.split("?")[0] ?? ""
  }
  const segments = path.split("/").filter((s) => s.length > 0)
  const last = segments[segments.length - 1]
  const track = last !== undefined && TRACK.test(last) ? last : undefined
  if (track !== undefined) segments.pop()
  const mediaPath = segments.join("/")
  if (mediaPath.length === 0) return undefined
  return { mediaPath, track, base: origin === undefined ? undefined : `${origin}/${mediaPath}/` }
}
