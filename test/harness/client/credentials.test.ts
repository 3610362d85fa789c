import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { parseAuthorization } from "../../../src/protocol/rtsp/headers/auth.js"
import { authorizationFor, parseRtspUrl, pickChallenge, stripCredentials } from "../../../harness/client/credentials.js"

describe("parseRtspUrl", () => {
  const cases: ReadonlyArray<{ input: string; expected: ReturnType<typeof parseRtspUrl> }> = [
    { input: "rtsp://127.0.0.1:8554/movie.Mjpeg", expected: { host: "127.0.0.1", port: 8554, url: "rtsp://127.0.0.1:8554/movie.Mjpeg" } },
    { input: "rtsp://cam.local/a", expected: { host: "cam.local", port: 554, url: "rtsp://cam.local/a" } },
    {
      input: "rtsp://us%40er:p%3Ass@10.0.0.1:554/s",
      expected: { host: "10.0.0.1", port: 554, url: "rtsp://10.0.0.1:554/s", credentials: { username: "us@er", password: "p:ss" } }
    },
    { input: "rtsp://[::1]:9000/x", expected: { host: "::1", port: 9000, url: "rtsp://[::1]:9000/x" } },
    { input: "http://host/x", expected: undefined },
    { input: "not a url", expected: undefined }
  ]
  for (const { input, expected } of cases) {
    it(input, () => expect(parseRtspUrl(input)).toEqual(expected))
  }

  it("stripCredentials leaves relative and credential-free URLs alone", () => {
    expect(stripCredentials("*")).toBe("*")
    expect(stripCredentials("rtsp://h/a@b")).toBe("rtsp://h/a@b")
    expect(stripCredentials("rtsp://u:p@h/a")).toBe("rtsp://h/a")
  })
})

describe("challenges", () => {
  it("prefers Digest over Basic and answers it", () => {
    const challenge = pickChallenge(['Basic realm="r"', 'Digest realm="r", nonce="n1"', "garbage"])
    expect(challenge?._tag).toBe("Digest")
    const header = authorizationFor(challenge!, { username: "u", password: "p" }, "DESCRIBE", "rtsp://h/a", 1)
    const parsed = Either.flatMap(Either.mapLeft(header, (m) => new Error(m)), (h) => parseAuthorization(h))
    expect(Either.isRight(parsed) && parsed.right._tag === "Digest" && parsed.right.uri).toBe("rtsp://h/a")
  })

  it("answers Basic with base64 user:pass", () => {
    const header = authorizationFor({ _tag: "Basic", realm: "r" }, { username: "u", password: "p" }, "OPTIONS", "*", 1)
    expect(header).toEqual(Either.right(`Basic ${Buffer.from("u:p").toString("base64")}`))
  })

  it("no parseable challenge gives undefined", () => {
    expect(pickChallenge([])).toBeUndefined()
  })
})
