import { describe, expect, it } from "@effect/vitest"
import { classicTarget, serializeClassicRequest } from "../../../src/protocol/rtsp/classic.js"

describe("classic requests", () => {
  it("are the lab client's exact bytes: bare target, \\n lines, no final blank line", () => {
    expect(serializeClassicRequest("SETUP", "movie.Mjpeg", [["CSeq", "1"], ["Transport", "RTP/UDP; client_port= 25000"]]).toString()).toBe(
      "SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 25000"
    )
    expect(serializeClassicRequest("PLAY", "movie.Mjpeg", [["CSeq", "2"], ["Session", "724553"]]).toString()).toBe(
      "PLAY movie.Mjpeg RTSP/1.0\nCSeq: 2\nSession: 724553"
    )
  })

  it("the target is the URL's last path part, decoded; a bare name stays as it is", () => {
    expect(classicTarget("rtsp://127.0.0.1:8554/movie.Mjpeg")).toBe("movie.Mjpeg")
    expect(classicTarget("rtsp://127.0.0.1:8554/video/my%20movie.Mjpeg")).toBe("my movie.Mjpeg")
    expect(classicTarget("movie.Mjpeg")).toBe("movie.Mjpeg")
  })

  it("refuses a header that would inject a line", () => {
    expect(() => serializeClassicRequest("PLAY", "m", [["Session", "1\nCSeq: 9"]])).toThrow(RangeError)
  })
})
