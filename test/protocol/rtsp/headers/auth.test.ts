import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import {
  answerDigestChallenge,
  computeDigestFromHa1,
  computeDigestResponse,
  computeHa1,
  digestAlgorithmOf,
  formatAuthorization,
  formatWwwAuthenticate,
  parseAuthorization,
  parseWwwAuthenticate,
  verifyDigestAuthorization,
  type AuthChallenge,
  type Authorization,
  type DigestAuthorization,
  type DigestChallenge
} from "../../../../src/protocol/rtsp/headers/auth.js"
import { describeCodec } from "../../../support/describeCodec.js"

// RFC 2617 §3.5.
const rfcChallenge: DigestChallenge = {
  _tag: "Digest",
  realm: "testrealm@host.com",
  nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
  opaque: "5ccc069c403ebaf9f0171e9517f40e41",
  qop: ["auth", "auth-int"]
}
const rfcAuthorization: DigestAuthorization = {
  _tag: "Digest",
  username: "Mufasa",
  realm: "testrealm@host.com",
  nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
  uri: "/dir/index.html",
  response: "6629fae49393a05397450978507c4ef1",
  opaque: "5ccc069c403ebaf9f0171e9517f40e41",
  qop: "auth",
  nc: 1,
  cnonce: "0a4f113b"
}

const text = fc.string({ maxLength: 30 })
const token = fc.stringMatching(/^[A-Za-z0-9-]{1,10}$/)
const binary = fc.string({ unit: "binary" })

const challenges: fc.Arbitrary<AuthChallenge> = fc.oneof(
  fc.record({ _tag: fc.constant("Basic" as const), realm: text }),
  fc.record(
    {
      _tag: fc.constant("Digest" as const),
      realm: text,
      nonce: text,
      opaque: text,
      algorithm: token,
      qop: fc.array(token, { minLength: 1, maxLength: 3 }),
      stale: fc.boolean()
    },
    { requiredKeys: ["_tag", "realm", "nonce"] }
  )
)

const basic = fc.record({
  _tag: fc.constant("Basic" as const),
  username: text.filter((u) => !u.includes(":")),
  password: fc.string({ maxLength: 30, unit: "grapheme" })
})
const counted = fc.option(
  fc.record({ qop: fc.constant("auth"), nc: fc.integer({ min: 0, max: 0xffffffff }), cnonce: text }),
  { nil: undefined }
)
const digest = fc
  .tuple(
    fc.record(
      {
        _tag: fc.constant("Digest" as const),
        username: text,
        realm: text,
        nonce: text,
        uri: text,
        response: fc.stringMatching(/^[0-9a-f]{32}$/),
        algorithm: fc.constant("MD5"),
        opaque: text
      },
      { requiredKeys: ["_tag", "username", "realm", "nonce", "uri", "response"] }
    ),
    counted
  )
  .map(([d, c]): DigestAuthorization => ({ ...d, ...(c ?? {}) }))

describeCodec<AuthChallenge>("WWW-Authenticate", {
  corpus: "www-authenticate",
  decode: parseWwwAuthenticate,
  encode: formatWwwAuthenticate,
  header: "WWW-Authenticate",
  cases: [
    ["Basic realm=\"IP Camera\"", { _tag: "Basic", realm: "IP Camera" }],
    [
      "Digest realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=\"auth,auth-int\"",
      rfcChallenge
    ],
    // live555 style: realm and nonce only.
    ["Digest realm=\"LIVE555 Streaming Media\", nonce=\"a3b7c1d2e4f5a6b7c8d9e0f1a2b3c4d5\"", { _tag: "Digest", realm: "LIVE555 Streaming Media", nonce: "a3b7c1d2e4f5a6b7c8d9e0f1a2b3c4d5" }],
    [
      "Digest realm=\"IP Camera(C1234)\", nonce=\"4e6a4d7a4e5451774e6a5935\", algorithm=MD5, stale=FALSE",
      { _tag: "Digest", realm: "IP Camera(C1234)", nonce: "4e6a4d7a4e5451774e6a5935", algorithm: "MD5", stale: false }
    ],
    ["Digest realm=\"r\", nonce=\"n\", stale=TRUE", { _tag: "Digest", realm: "r", nonce: "n", stale: true }],
    // A quote and a backslash inside the realm are escaped.
    ["Basic realm=\"say \\\"hi\\\" \\\\o/\"", { _tag: "Basic", realm: "say \"hi\" \\o/" }]
  ],
  nonCanonical: [
    ["basic realm=cam", "Basic realm=\"cam\""],
    ["Basic  realm = \"cam\" , charset=\"UTF-8\"", "Basic realm=\"cam\""],
    // Some cameras quote everything, or use lower case, or put the comma-less qop unquoted.
    ["DIGEST realm=\"r\",nonce=\"n\",algorithm=\"MD5\",stale=\"false\",qop=auth", "Digest realm=\"r\", nonce=\"n\", algorithm=MD5, qop=\"auth\", stale=FALSE"],
    ["Digest nonce=\"n\", realm=\"r\", Opaque=\"o\", domain=\"/\"", "Digest realm=\"r\", nonce=\"n\", opaque=\"o\""],
    ["Digest realm=\"r\", nonce=\"n\", qop=\" auth , auth-int \",", "Digest realm=\"r\", nonce=\"n\", qop=\"auth,auth-int\""]
  ],
  errors: [
    ["", "Empty"],
    ["   ", "Empty"],
    ["\"Basic\"", "Malformed"],
    ["Bearer realm=\"x\"", "Unsupported"],
    ["Negotiate", "Unsupported"],
    ["Basic", "MissingParameter"],
    ["Digest realm=\"r\"", "MissingParameter"],
    ["Digest nonce=\"n\"", "MissingParameter"],
    ["Digest realm=\"r, nonce=\"n\"", "Malformed"],
    ["Digest realm=\"r\" x, nonce=\"n\"", "Malformed"],
    ["Digest realm, nonce=\"n\"", "Malformed"]
  ],
  values: challenges,
  strings: [binary.map((s) => `Digest ${s}`)],
})

describeCodec<Authorization>("Authorization", {
  corpus: "authorization",
  decode: parseAuthorization,
  encode: formatAuthorization,
  header: "Authorization",
  cases: [
    // RFC 7617's example credentials.
    ["Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", { _tag: "Basic", username: "Aladdin", password: "open sesame" }],
    ["Basic YWRtaW46", { _tag: "Basic", username: "admin", password: "" }],
    ["Basic dXNlcjpwYTpzcw==", { _tag: "Basic", username: "user", password: "pa:ss" }],
    [
      "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=auth, nc=00000001, cnonce=\"0a4f113b\"",
      rfcAuthorization
    ],
    [
      "Digest username=\"admin\", realm=\"IP Camera(C1234)\", nonce=\"4e6a4d7a4e5451774e6a5935\", uri=\"rtsp://192.168.1.64:554/Streaming/Channels/101\", response=\"6439b7639e1da8be1b389910a64668ea\", algorithm=MD5",
      {
        _tag: "Digest",
        username: "admin",
        realm: "IP Camera(C1234)",
        nonce: "4e6a4d7a4e5451774e6a5935",
        uri: "rtsp://192.168.1.64:554/Streaming/Channels/101",
        response: "6439b7639e1da8be1b389910a64668ea",
        algorithm: "MD5"
      }
    ]
  ],
  nonCanonical: [
    ["basic   QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="],
    // Missing base64 padding.
    ["Basic YWRtaW46MTIzNDU", "Basic YWRtaW46MTIzNDU="],
    [
      "Digest username=Mufasa,realm=\"r\",nonce=\"n\",uri=\"/\",response=\"abc\",qop=auth,nc=1,cnonce=\"c\"",
      "Digest username=\"Mufasa\", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"abc\", qop=auth, nc=00000001, cnonce=\"c\""
    ]
  ],
  errors: [
    ["", "Empty"],
    ["Bearer abc", "Unsupported"],
    ["Basic", "Malformed"],
    ["Basic !!!", "Malformed"],
    ["Basic YWRtaW4=", "Malformed"], // "admin": no colon
    ["Digest realm=\"r\", nonce=\"n\", uri=\"/\", response=\"x\"", "MissingParameter"],
    ["Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\"", "MissingParameter"],
    ["Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"x\", qop=auth", "MissingParameter"],
    ["Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"x\", qop=auth, nc=zz, cnonce=\"c\"", "InvalidNumber"],
    ["Digest username=\"u", "Malformed"]
  ],
  values: fc.oneof(basic, digest),
  strings: [binary.map((s) => `Digest ${s}`), binary.map((s) => `Basic ${s}`)],
})

describe("Digest computation", () => {
  it("reproduces the RFC 2617 §3.5 example (qop=auth)", () => {
    const response = computeDigestResponse({
      username: "Mufasa",
      password: "Circle Of Life",
      realm: "testrealm@host.com",
      nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
      method: "GET",
      uri: "/dir/index.html",
      qop: "auth",
      nc: 1,
      cnonce: "0a4f113b"
    })
    expect(response).toStrictEqual(Either.right("6629fae49393a05397450978507c4ef1"))
  })

  // RFC 7616 §3.9.1: the same request answered with SHA-256 and with MD5.
  const rfc7616 = {
    username: "Mufasa",
    password: "Circle of Life",
    realm: "http-auth@example.org",
    nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
    method: "GET",
    uri: "/dir/index.html",
    qop: "auth",
    nc: 1,
    cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
  }
  it.each([
    ["SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"],
    ["MD5", "8ca523f5e9506fed4657c9700eebdbec"]
  ] as const)("reproduces the RFC 7616 §3.9.1 example in %s", (algorithm, expected) => {
    expect(computeDigestResponse({ ...rfc7616, algorithm })).toStrictEqual(Either.right(expected))
    const ha1 = computeHa1(algorithm, rfc7616.username, rfc7616.realm, rfc7616.password)
    const { username: _u, realm: _r, password: _p, ...request } = rfc7616
    expect(computeDigestFromHa1({ ...request, algorithm, ha1 })).toStrictEqual(Either.right(expected))
    expect(digestAlgorithmOf(algorithm.toLowerCase())).toBe(algorithm)
  })

  it("computes the RFC 2069 form without qop", () => {
    // Expected values computed independently with md5sum.
    expect(computeDigestResponse({
      username: "Mufasa",
      password: "Circle Of Life",
      realm: "testrealm@host.com",
      nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
      method: "GET",
      uri: "/dir/index.html"
    })).toStrictEqual(Either.right("670fd8c2df070c60b045671b8b24ff02"))
    expect(computeDigestResponse({
      username: "admin",
      password: "12345",
      realm: "IP Camera(C1234)",
      nonce: "4e6a4d7a4e5451774e6a5935",
      method: "DESCRIBE",
      uri: "rtsp://192.168.1.64:554/Streaming/Channels/101",
      algorithm: "md5"
    })).toStrictEqual(Either.right("6439b7639e1da8be1b389910a64668ea"))
  })

  it("refuses what it cannot compute", () => {
    const base = { username: "u", password: "p", realm: "r", nonce: "n", method: "DESCRIBE", uri: "rtsp://h/" }
    const reason = (r: Either.Either<string, { readonly reason: string }>) => Either.isLeft(r) && r.left.reason
    expect(reason(computeDigestResponse({ ...base, algorithm: "SHA-512-256" }))).toBe("Unsupported")
    expect(reason(computeDigestResponse({ ...base, algorithm: "MD5-sess", qop: "auth", nc: 1, cnonce: "c" }))).toBe("Unsupported")
    expect(reason(computeDigestResponse({ ...base, qop: "auth-int", nc: 1, cnonce: "c" }))).toBe("Unsupported")
    expect(reason(computeDigestResponse({ ...base, qop: "auth", nc: 1 }))).toBe("MissingParameter")
    expect(reason(computeDigestResponse({ ...base, qop: "auth", cnonce: "c" }))).toBe("MissingParameter")
  })

  it("answers the RFC 2617 challenge with the RFC's Authorization", () => {
    const answer = answerDigestChallenge({
      challenge: rfcChallenge,
      username: "Mufasa",
      password: "Circle Of Life",
      method: "GET",
      uri: "/dir/index.html",
      cnonce: "0a4f113b"
    })
    expect(answer).toStrictEqual(Either.right(rfcAuthorization))
  })

  it("answers a challenge without qop in the RFC 2069 form", () => {
    const challenge = parseWwwAuthenticate("Digest realm=\"IP Camera(C1234)\", nonce=\"4e6a4d7a4e5451774e6a5935\", algorithm=MD5")
    expect(Either.isRight(challenge) && challenge.right._tag).toBe("Digest")
    if (Either.isLeft(challenge) || challenge.right._tag !== "Digest") return
    const answer = answerDigestChallenge({
      challenge: challenge.right,
      username: "admin",
      password: "12345",
      method: "DESCRIBE",
      uri: "rtsp://192.168.1.64:554/Streaming/Channels/101",
      cnonce: "ignored without qop"
    })
    expect(Either.map(answer, formatAuthorization)).toStrictEqual(Either.right(
      "Digest username=\"admin\", realm=\"IP Camera(C1234)\", nonce=\"4e6a4d7a4e5451774e6a5935\", uri=\"rtsp://192.168.1.64:554/Streaming/Channels/101\", response=\"6439b7639e1da8be1b389910a64668ea\", algorithm=MD5"
    ))
  })

  it("refuses to answer what it cannot", () => {
    const base = { username: "u", password: "p", method: "DESCRIBE", uri: "rtsp://h/" }
    const only = (qop: ReadonlyArray<string>): DigestChallenge => ({ _tag: "Digest", realm: "r", nonce: "n", qop })
    const reason = (r: Either.Either<DigestAuthorization, { readonly reason: string }>) => Either.isLeft(r) && r.left.reason
    expect(reason(answerDigestChallenge({ ...base, challenge: only(["auth-int"]), cnonce: "c" }))).toBe("Unsupported")
    expect(reason(answerDigestChallenge({ ...base, challenge: only(["auth"]) }))).toBe("MissingParameter")
    expect(reason(answerDigestChallenge({ ...base, challenge: { _tag: "Digest", realm: "r", nonce: "n", algorithm: "SHA-512-256" } }))).toBe("Unsupported")
  })

  it("lets a server verify a Digest Authorization", () => {
    expect(verifyDigestAuthorization(rfcAuthorization, { password: "Circle Of Life", method: "GET" })).toBe(true)
    expect(verifyDigestAuthorization(rfcAuthorization, { password: "circle of life", method: "GET" })).toBe(false)
    expect(verifyDigestAuthorization(rfcAuthorization, { password: "Circle Of Life", method: "PLAY" })).toBe(false)
    expect(verifyDigestAuthorization({ ...rfcAuthorization, response: rfcAuthorization.response.toUpperCase() }, { password: "Circle Of Life", method: "GET" })).toBe(true)
    expect(verifyDigestAuthorization({ ...rfcAuthorization, nc: 2 }, { password: "Circle Of Life", method: "GET" })).toBe(false)
  })
})

describe("auth properties", () => {
  it("a computed answer verifies", () => {
    fc.assert(fc.property(text, text, text, fc.boolean(), (username, password, nonce, withQop) => {
      const challenge: DigestChallenge = { _tag: "Digest", realm: "effect-rtsp", nonce, ...(withQop ? { qop: ["auth"] } : {}) }
      const answer = answerDigestChallenge({ challenge, username, password, method: "SETUP", uri: "rtsp://h/movie.Mjpeg", cnonce: "c0ffee", nc: 7 })
      expect(Either.isRight(answer) && verifyDigestAuthorization(answer.right, { password, method: "SETUP" })).toBe(true)
      const reparsed = Either.flatMap(answer, (a) => parseAuthorization(formatAuthorization(a)))
      expect(Either.isRight(reparsed) && reparsed.right._tag === "Digest" && verifyDigestAuthorization(reparsed.right, { password, method: "SETUP" })).toBe(true)
    }), { numRuns: 200 })
  })
})
