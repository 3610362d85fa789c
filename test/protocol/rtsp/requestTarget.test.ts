import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { isClassicTarget } from "../../../src/protocol/rtsp/classic.js"
import { parseRequestTarget, type RequestTarget } from "../../../src/protocol/rtsp/requestTarget.js"

/**
 * What a request URI may open. The path is handed on as sent: never
 * resolved, never decoded here, so the media library sees (and refuses)
 * every traversal attempt.
 */
const cases: ReadonlyArray<readonly [uri: string, want: RequestTarget | undefined]> = [
  ["rtsp://127.0.0.1:8554/movie.Mjpeg", { mediaPath: "movie.Mjpeg", track: undefined, base: "rtsp://127.0.0.1:8554/movie.Mjpeg/", query: undefined }],
  ["rtsp://127.0.0.1:8554/movie.Mjpeg/", { mediaPath: "movie.Mjpeg", track: undefined, base: "rtsp://127.0.0.1:8554/movie.Mjpeg/", query: undefined }],
  ["rtsp://127.0.0.1:8554/movie.Mjpeg/streamid=0", { mediaPath: "movie.Mjpeg", track: "streamid=0", base: "rtsp://127.0.0.1:8554/movie.Mjpeg/", query: undefined }],
  ["rtsp://host/a/b/clip.mjpeg/trackID=1", { mediaPath: "a/b/clip.mjpeg", track: "trackID=1", base: "rtsp://host/a/b/clip.mjpeg/", query: undefined }],
  // The scheme comes out lower case; the host as sent (rtsp is not a scheme URL parsing lower-cases hosts for).
  ["RTSP://HOST:554/x.mjpg/TRACK=2", { mediaPath: "x.mjpg", track: "TRACK=2", base: "rtsp://HOST:554/x.mjpg/", query: undefined }],
  ["rtsps://host/x.mjpg/stream=3", { mediaPath: "x.mjpg", track: "stream=3", base: "rtsps://host/x.mjpg/", query: undefined }],
  ["rtsp://host/x.mjpg?token=abc", { mediaPath: "x.mjpg", track: undefined, base: "rtsp://host/x.mjpg/", query: "token=abc" }],
  ["rtsp://host/x.mjpg#frag", { mediaPath: "x.mjpg", track: undefined, base: "rtsp://host/x.mjpg/", query: undefined }],
  ["rtsp://host//double//slashes.mjpg", { mediaPath: "double/slashes.mjpg", track: undefined, base: "rtsp://host/double/slashes.mjpg/", query: undefined }],
  // A track-looking name that is not `name=digits` stays part of the path.
  ["rtsp://host/x.mjpg/streamid=a", { mediaPath: "x.mjpg/streamid=a", track: undefined, base: "rtsp://host/x.mjpg/streamid=a/", query: undefined }],
  // Traversal is kept as sent, for the library to refuse (URL parsing would have resolved it away).
  ["rtsp://host/../etc/passwd", { mediaPath: "../etc/passwd", track: undefined, base: "rtsp://host/../etc/passwd/", query: undefined }],
  ["rtsp://host/video/%2e%2e/secret.mjpg", { mediaPath: "video/%2e%2e/secret.mjpg", track: undefined, base: "rtsp://host/video/%2e%2e/secret.mjpg/", query: undefined }],
  ["rtsp://host/my%20movie.Mjpeg", { mediaPath: "my%20movie.Mjpeg", track: undefined, base: "rtsp://host/my%20movie.Mjpeg/", query: undefined }],
  // The query (issue 13's impairments) in each place a player puts it, never in the path or the track.
  ["rtsp://h:8554/movie.Mjpeg?impair=lossy-wifi", { mediaPath: "movie.Mjpeg", track: undefined, base: "rtsp://h:8554/movie.Mjpeg/", query: "impair=lossy-wifi" }],
  // Content-Base with a query, joined to the control by concatenation (ffmpeg, GStreamer, live555).
  ["rtsp://h:8554/movie.Mjpeg?impair=x/streamid=0", { mediaPath: "movie.Mjpeg", track: "streamid=0", base: "rtsp://h:8554/movie.Mjpeg/", query: "impair=x" }],
  ["rtsp://h:8554/movie.Mjpeg/?impair=x/streamid=0", { mediaPath: "movie.Mjpeg", track: "streamid=0", base: "rtsp://h:8554/movie.Mjpeg/", query: "impair=x" }],
  ["rtsp://h:8554/movie.Mjpeg/streamid=0?impair=x", { mediaPath: "movie.Mjpeg", track: "streamid=0", base: "rtsp://h:8554/movie.Mjpeg/", query: "impair=x" }],
  ["rtsp://h/movie.Mjpeg?loss=2%25&burst=4&jitter=15ms#frag", { mediaPath: "movie.Mjpeg", track: undefined, base: "rtsp://h/movie.Mjpeg/", query: "loss=2%25&burst=4&jitter=15ms" }],
  ["rtsp://h/movie.Mjpeg?loss=2%&seed=7", { mediaPath: "movie.Mjpeg", track: undefined, base: "rtsp://h/movie.Mjpeg/", query: "loss=2%&seed=7" }],
  // Only a trailing `/<track>` leaves the query; a slash elsewhere in it is the query's.
  ["rtsp://h/movie.Mjpeg?next=/a/b", { mediaPath: "movie.Mjpeg", track: undefined, base: "rtsp://h/movie.Mjpeg/", query: "next=/a/b" }],
  ["rtsp://h/movie.Mjpeg?impair=x/streamid=a", { mediaPath: "movie.Mjpeg", track: undefined, base: "rtsp://h/movie.Mjpeg/", query: "impair=x/streamid=a" }],
  // A track in the path: the query is all the query.
  ["rtsp://h/movie.Mjpeg/streamid=0?a=1/trackID=2", { mediaPath: "movie.Mjpeg", track: "streamid=0", base: "rtsp://h/movie.Mjpeg/", query: "a=1/trackID=2" }],
  // An empty query is none.
  ["rtsp://h/movie.Mjpeg?", { mediaPath: "movie.Mjpeg", track: undefined, base: "rtsp://h/movie.Mjpeg/", query: undefined }],
  ["rtsp://h/movie.Mjpeg?/streamid=0", { mediaPath: "movie.Mjpeg", track: "streamid=0", base: "rtsp://h/movie.Mjpeg/", query: undefined }],
  // A query that looks like a traversal stays out of the path.
  ["rtsp://h/movie.Mjpeg?../../etc/passwd", { mediaPath: "movie.Mjpeg", track: undefined, base: "rtsp://h/movie.Mjpeg/", query: "../../etc/passwd" }],
  ["movie.Mjpeg?impair=slow-server", { mediaPath: "movie.Mjpeg", track: undefined, base: undefined, query: "impair=slow-server" }],
  ["movie.Mjpeg?impair=x/streamid=0", { mediaPath: "movie.Mjpeg", track: "streamid=0", base: undefined, query: "impair=x" }],
  // Classic: a bare name, no base.
  ["movie.Mjpeg", { mediaPath: "movie.Mjpeg", track: undefined, base: undefined, query: undefined }],
  ["video/movie.Mjpeg", { mediaPath: "video/movie.Mjpeg", track: undefined, base: undefined, query: undefined }],
  ["../movie.Mjpeg", { mediaPath: "../movie.Mjpeg", track: undefined, base: undefined, query: undefined }],
  ["/etc/passwd", { mediaPath: "etc/passwd", track: undefined, base: undefined, query: undefined }],
  ["movie.Mjpeg?x=1", { mediaPath: "movie.Mjpeg", track: undefined, base: undefined, query: "x=1" }],
  // No media path at all.
  ["rtsp://host", undefined],
  ["rtsp://host/", undefined],
  ["rtsp://host/streamid=0", undefined],
  ["rtsp://host/?q", undefined],
  ["rtsp://[bad", undefined],
  ["*", { mediaPath: "*", track: undefined, base: undefined, query: undefined }],
  ["", undefined],
  ["/", undefined]
]

describe("parseRequestTarget", () => {
  it.each(cases)("%j", (uri, want) => {
    expect(parseRequestTarget(uri)).toEqual(want)
  })

  it("never throws, and a media path never starts or ends with a slash nor has an empty segment", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl().map((u) => u.replace(/^https?/, "rtsp")), fc.constantFrom(...cases.map(([uri]) => uri))), (uri) => {
        const target = parseRequestTarget(uri)
        if (target === undefined) return
        expect(target.mediaPath.length).toBeGreaterThan(0)
        expect(target.mediaPath.split("/").every((segment) => segment.length > 0)).toBe(true)
      })
    )
  })

  // Path segments and queries as a client may write them; `#` starts a fragment, so never in a query.
  const segment = fc.stringMatching(/^[A-Za-z0-9._%~-]{1,12}$/).filter((s) => !/^(streamid|trackID|track|stream)=\d+$/i.test(s))
  const mediaPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((segments) => segments.join("/"))
  const query = fc.stringMatching(/^[A-Za-z0-9=&%/.:_-]{1,40}$/).filter((q) => !/\/(streamid|trackID|track|stream)=\d+$/i.test(q))
  const track = fc.constantFrom("streamid=0", "trackID=1", "track=2")

  it("the query never leaks into the media path or the track, wherever the track goes", () => {
    fc.assert(
      fc.property(mediaPath, query, track, (path, q, t) => {
        const forms: ReadonlyArray<readonly [uri: string, track: string | undefined]> = [
          [`rtsp://host:8554/${path}?${q}`, undefined],
          [`rtsp://host:8554/${path}?${q}/${t}`, t],
          [`rtsp://host:8554/${path}/?${q}/${t}`, t],
          [`rtsp://host:8554/${path}/${t}?${q}`, t],
          [`${path}?${q}`, undefined]
        ]
        for (const [uri, wantTrack] of forms) {
          const target = parseRequestTarget(uri)
          expect(target?.mediaPath, uri).toBe(path)
          expect(target?.track, uri).toBe(wantTrack)
          expect(target?.query, uri).toBe(q)
        }
      })
    )
  })

  it("a query changes nothing else about the target", () => {
    fc.assert(
      fc.property(fc.constantFrom(...cases.flatMap(([uri]) => (/[?#]/.test(uri) ? [] : [uri]))), query, (uri, q) => {
        const plain = parseRequestTarget(uri)
        if (plain === undefined) return
        expect(parseRequestTarget(`${uri}?${q}`)).toEqual({ ...plain, query: q })
      })
    )
  })
})

describe("isClassicTarget", () => {
  it.each([
    ["movie.Mjpeg", true],
    ["video/movie.Mjpeg", true],
    ["*", false],
    ["rtsp://host/movie.Mjpeg", false],
    ["RTSP://host/movie.Mjpeg", false],
    ["rtsps://host/movie.Mjpeg", false]
  ] as const)("%s → %s", (uri, classic) => {
    expect(isClassicTarget(uri)).toBe(classic)
  })
})
