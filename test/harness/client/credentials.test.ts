import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { parseAuthorization } from "../../../src/protocol/rtsp/headers/auth.js"
import { authorizationFor, maskCommandLine, maskCredentials, parseRtspUrl, pickChallenge, stripCredentials } from "../../../harness/client/credentials.js"

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

  it("prefers Digest SHA-256, then MD5, then Basic, and skips algorithms it cannot compute", () => {
    const offered = ['Basic realm="r"', 'Digest realm="r", nonce="n", algorithm=MD5', 'Digest realm="r", nonce="n", algorithm=SHA-256', 'Digest realm="r", nonce="n", algorithm=SHA-512-256']
    const algorithmOf = (values: ReadonlyArray<string>) => {
      const picked = pickChallenge(values)
      return picked?._tag === "Digest" ? picked.algorithm ?? "MD5" : picked?._tag
    }
    expect(algorithmOf(offered)).toBe("SHA-256")
    expect(algorithmOf([...offered].reverse())).toBe("SHA-256")
    expect(algorithmOf([offered[0]!, offered[1]!])).toBe("MD5")
    expect(algorithmOf([offered[3]!, offered[0]!])).toBe("Basic")
  })

  it("answers Basic with base64 user:pass", () => {
    const header = authorizationFor({ _tag: "Basic", realm: "r" }, { username: "u", password: "p" }, "OPTIONS", "*", 1)
    expect(header).toEqual(Either.right(`Basic ${Buffer.from("u:p").toString("base64")}`))
  })

  it("no parseable challenge gives undefined", () => {
    expect(pickChallenge([])).toBeUndefined()
  })
})

describe("masking secrets for display", () => {
  it("masks a URL's password and the value of --password, nothing else", () => {
    expect(maskCredentials("rtsp://alice:s3cr%40t@10.0.0.1:554/cam?x=1")).toBe("rtsp://alice:***@10.0.0.1:554/cam?x=1")
    expect(maskCredentials("rtsps://alice@host/cam")).toBe("rtsps://alice@host/cam")
    expect(maskCredentials("rtsp://host/a:b@c")).toBe("rtsp://host/a:b@c")
    expect(maskCommandLine(["rtsp-harness", "play", "rtsp://u:p@h/x", "--user", "u", "--password", "hunter2", "--password=x"]))
      .toBe("rtsp-harness play rtsp://u:***@h/x --user u --password *** --password=***")
  })
})
