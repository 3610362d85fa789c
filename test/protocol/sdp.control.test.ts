/** resolveControlUrl: joining a base URL and an SDP a=control value. */
import { describe, expect, it } from "@effect/vitest"
import { resolveControlUrl } from "../../src/protocol/sdp.js"

// ---------------------------------------------------------------------------
// Control URLs
// ---------------------------------------------------------------------------

const controlCases: ReadonlyArray<readonly [string, string | undefined, string]> = [
  ["rtsp://h/movie.Mjpeg", "streamid=0", "rtsp://h/movie.Mjpeg/streamid=0"],
  ["rtsp://h/movie.Mjpeg/", "streamid=0", "rtsp://h/movie.Mjpeg/streamid=0"],
  ["rtsp://h:8554/live", "trackID=1", "rtsp://h:8554/live/trackID=1"],
  ["rtsp://h/movie.Mjpeg", "*", "rtsp://h/movie.Mjpeg"],
  ["rtsp://h/movie.Mjpeg", undefined, "rtsp://h/movie.Mjpeg"],
  ["rtsp://h/movie.Mjpeg", "", "rtsp://h/movie.Mjpeg"],
  ["rtsp://h/movie.Mjpeg", " streamid=0 ", "rtsp://h/movie.Mjpeg/streamid=0"],
  ["rtsp://h/a", "rtsp://other:554/b/trackID=1", "rtsp://other:554/b/trackID=1"],
  ["rtsp://h/a", "RTSPS://h/b", "RTSPS://h/b"],
  ["rtsp://user:pw@h:554/a/b", "/c/trackID=2", "rtsp://user:pw@h:554/c/trackID=2"],
  // ffmpeg keeps a query string in the base and appends after it; cameras expect exactly that.
  ["rtsp://h/cam?channel=1", "trackID=1", "rtsp://h/cam?channel=1/trackID=1"]
]

describe("resolveControlUrl", () => {
  it.each(controlCases)("%s + %j -> %s", (base, control, expected) => {
    expect(resolveControlUrl(base, control)).toBe(expected)
  })
})
