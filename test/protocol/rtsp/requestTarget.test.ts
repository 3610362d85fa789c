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
  ["rtsp://127.0.0.1:8554/movie.Mjpeg", { mediaPath: "movie.Mjpeg", track: undefined, base: "rtsp://127.0.0.1:8554/movie.Mjpeg/" }],
  ["rtsp://127.0.0.1:8554/movie.Mjpeg/", { mediaPath: "movie.Mjpeg", track: undefined, base: "rtsp://127.0.0.1:8554/movie.Mjpeg/" }],
  ["rtsp://127.0.0.1:8554/movie.Mjpeg/streamid=0", { mediaPath: "movie.Mjpeg", track: "streamid=0", base: "rtsp://127.0.0.1:8554/movie.Mjpeg/" }],
  ["rtsp://host/a/b/clip.mjpeg/trackID=1", { mediaPath: "a/b/clip.mjpeg", track: "trackID=1", base: "rtsp://host/a/b/clip.mjpeg/" }],
  // The scheme comes out lower case; the host as sent (rtsp is not a scheme URL parsing lower-cases hosts for).
  ["RTSP://HOST:554/x.mjpg/TRACK=2", { mediaPath: "x.mjpg", track: "TRACK=2", base: "rtsp://HOST:554/x.mjpg/" }],
  ["rtsps://host/x.mjpg/stream=3", { mediaPath: "x.mjpg", track: "stream=3", base: "rtsps://host/x.mjpg/" }],
  ["rtsp://host/x.mjpg?token=abc", { mediaPath: "x.mjpg", track: undefined, base: "rtsp://host/x.mjpg/" }],
  ["rtsp://host/x.mjpg#frag", { mediaPath: "x.mjpg", track: undefined, base: "rtsp://host/x.mjpg/" }],
  ["rtsp://host//double//slashes.mjpg", { mediaPath: "double/slashes.mjpg", track: undefined, base: "rtsp://host/double/slashes.mjpg/" }],
  // A track-looking name that is not `name=digits` stays part of the path.
  ["rtsp://host/x.mjpg/streamid=a", { mediaPath: "x.mjpg/streamid=a", track: undefined, base: "rtsp://host/x.mjpg/streamid=a/" }],
  // Traversal is kept as sent, for the library to refuse (URL parsing would have resolved it away).
  ["rtsp://host/../etc/passwd", { mediaPath: "../etc/passwd", track: undefined, base: "rtsp://host/../etc/passwd/" }],
  ["rtsp://host/video/%2e%2e/secret.mjpg", { mediaPath: "video/%2e%2e/secret.mjpg", track: undefined, base: "rtsp://host/video/%2e%2e/secret.mjpg/" }],
  ["rtsp://host/my%20movie.Mjpeg", { mediaPath: "my%20movie.Mjpeg", track: undefined, base: "rtsp://host/my%20movie.Mjpeg/" }],
  // Classic: a bare name, no base.
  ["movie.Mjpeg", { mediaPath: "movie.Mjpeg", track: undefined, base: undefined }],
  ["video/movie.Mjpeg", { mediaPath: "video/movie.Mjpeg", track: undefined, base: undefined }],
  ["../movie.Mjpeg", { mediaPath: "../movie.Mjpeg", track: undefined, base: undefined }],
  ["/etc/passwd", { mediaPath: "etc/passwd", track: undefined, base: undefined }],
  ["movie.Mjpeg?x=1", { mediaPath: "movie.Mjpeg", track: undefined, base: undefined }],
  // No media path at all.
  ["rtsp://host", undefined],
  ["rtsp://host/", undefined],
  ["rtsp://host/streamid=0", undefined],
  ["rtsp://host/?q", undefined],
  ["rtsp://[bad", undefined],
  ["*", { mediaPath: "*", track: undefined, base: undefined }],
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
