/**
 * Where a request points: the media path, the track and the query, from either
 * an rtsp:// URL (standard dialect) or a bare file name (classic dialect).
 * Security-relevant: the path is kept as sent (still percent-encoded, `..`
 * not resolved) so the media library sees and refuses a traversal attempt.
 * The query (impairments, issue 13) never becomes part of the path or the track.
 */

export interface RequestTarget {
  /** Path under the media root, still percent-encoded (the library decodes and checks it). */
  readonly mediaPath: string
  /** `streamid=0`-style track control, when the URL named one. */
  readonly track: string | undefined
  /** rtsp://host:port/path/ — Content-Base for DESCRIBE. */
  readonly base: string | undefined
  /**
   * The query as sent (after `?`, before `#`, still percent-encoded); undefined when there is
   * none or it is empty. A track control a player appended after it, as players do when they
   * join Content-Base and the control by concatenation (`…/movie.Mjpeg?impair=x/streamid=0`),
   * is the track, not part of the query.
   */
  readonly query: string | undefined
}

const TRACK = /^(streamid|trackID|track|stream)=\d+$/i
// The path as sent, then the query: up to `#`, which starts a fragment.
const URL_PARTS = /^rtsps?:\/\/[^/?#]*([^?#]*)(?:\?([^#]*))?/i

/** A query with a track control appended after it (`impair=x/streamid=0`): the query, and the track. */
const splitTrailingTrack = (query: string): { readonly query: string; readonly track: string | undefined } => {
  const slash = query.lastIndexOf("/")
  const last = query.slice(slash + 1)
  return slash >= 0 && TRACK.test(last) ? { query: query.slice(0, slash), track: last } : { query, track: undefined }
}

export const parseRequestTarget = (uri: string): RequestTarget | undefined => {
  let path: string
  let rawQuery: string | undefined
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
    const parts = URL_PARTS.exec(uri)
    path = parts?.[1] ?? ""
    rawQuery = parts?.[2]
    origin = `${url.protocol}//${url.host}`
  } else {
    const question = uri.indexOf("?")
    path = question < 0 ? uri : uri.slice(0, question)
    rawQuery = question < 0 ? undefined : uri.slice(question + 1)
  }
  const segments = path.split("/").filter((s) => s.length > 0)
  const last = segments[segments.length - 1]
  const pathTrack = last !== undefined && TRACK.test(last) ? last : undefined
  if (pathTrack !== undefined) segments.pop()
  const mediaPath = segments.join("/")
  if (mediaPath.length === 0) return undefined
  const afterQuery = rawQuery === undefined || pathTrack !== undefined ? { query: rawQuery, track: undefined } : splitTrailingTrack(rawQuery)
  return {
    mediaPath,
    track: pathTrack ?? afterQuery.track,
    base: origin === undefined ? undefined : `${origin}/${mediaPath}/`,
    query: afterQuery.query === "" ? undefined : afterQuery.query
  }
}
