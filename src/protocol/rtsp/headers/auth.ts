/**
 * RTSP authentication headers (RFC 2326 §12.5/§12.44 borrow HTTP's, RFC 2617):
 * - WWW-Authenticate: one challenge per header value (`Basic realm=...` or
 *   `Digest realm=..., nonce=..., opaque=..., algorithm=MD5, qop="auth,auth-int", stale=FALSE`).
 *   A response may carry several; the caller parses each value and picks one.
 * - Authorization: `Basic base64(user:pass)` or `Digest username=..., response=...`.
 * - The Digest response computation (MD5 and SHA-256 (RFC 7616), with and without
 *   qop=auth), from a password or from a stored HA1. The client nonce and nonce
 *   count come from the caller, so everything here stays pure.
 */
import { Either } from "effect"
import { createHash } from "node:crypto"
import { headerError, type RtspHeaderError, type RtspHeaderName } from "./error.js"
import { TOKEN } from "../grammar.js"
import { quote, show, splitOutsideQuotes, splitParameter, unquote } from "./lexing.js"

export interface BasicChallenge {
  readonly _tag: "Basic"
  readonly realm: string
}

export interface DigestChallenge {
  readonly _tag: "Digest"
  readonly realm: string
  readonly nonce: string
  readonly opaque?: string
  /** As written ("MD5", "MD5-sess", "SHA-256", ...); absent means MD5. */
  readonly algorithm?: string
  /** The offered quality-of-protection options, e.g. ["auth", "auth-int"]. */
  readonly qop?: ReadonlyArray<string>
  readonly stale?: boolean
}

export type AuthChallenge = BasicChallenge | DigestChallenge

export interface BasicAuthorization {
  readonly _tag: "Basic"
  readonly username: string
  readonly password: string
}

export interface DigestAuthorization {
  readonly _tag: "Digest"
  readonly username: string
  readonly realm: string
  readonly nonce: string
  readonly uri: string
  /** Lower-case hex: 32 digits for MD5, 64 for SHA-256. */
  readonly response: string
  readonly algorithm?: string
  readonly opaque?: string
  /** The chosen quality of protection ("auth"); when present, nc and cnonce are too. */
  readonly qop?: string
  /** Nonce count, written as 8 hex digits. */
  readonly nc?: number
  readonly cnonce?: string
}

export type Authorization = BasicAuthorization | DigestAuthorization

type Result<A> = Either.Either<A, RtspHeaderError>

const SCHEME = /^\s*([A-Za-z][A-Za-z0-9\-_.]*)(?:\s+([\s\S]*))?$/
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/
const NONCE_COUNT = /^[0-9A-Fa-f]{1,8}$/

interface Scheme {
  readonly scheme: "basic" | "digest"
  readonly rest: string
}

const splitScheme = (header: RtspHeaderName, value: string): Result<Scheme> => {
  if (value.trim() === "") return Either.left(headerError(header, "Empty", "value is empty"))
  const match = SCHEME.exec(value)
  if (match === null) return Either.left(headerError(header, "Malformed", `${show(value)} does not start with a scheme`))
  const scheme = (match[1] ?? "").toLowerCase()
  if (scheme !== "basic" && scheme !== "digest") {
    return Either.left(headerError(header, "Unsupported", `unsupported scheme ${show(match[1] ?? "")}`))
  }
  return Either.right({ scheme, rest: (match[2] ?? "").trim() })
}

/** `name=value, name="quoted value", ...` into a map keyed by lower-case name (later duplicates win). */
const parseAuthParams = (header: RtspHeaderName, text: string): Result<ReadonlyMap<string, string>> => {
  const params = new Map<string, string>()
  for (const part of splitOutsideQuotes(text, ",")) {
    if (part.trim() === "") continue
    const { name, value } = splitParameter(part)
    if (name === "" || value === undefined) {
      return Either.left(headerError(header, "Malformed", `parameter ${show(part.trim())} is not name=value`))
    }
    const unquoted = unquote(value)
    if (unquoted === undefined) {
      return Either.left(headerError(header, "Malformed", `unterminated quoted string in ${show(part.trim())}`))
    }
    params.set(name.toLowerCase(), unquoted)
  }
  return Either.right(params)
}

const required = (header: RtspHeaderName, params: ReadonlyMap<string, string>, name: string): Result<string> => {
  const value = params.get(name)
  return value === undefined
    ? Either.left(headerError(header, "MissingParameter", `missing ${name}`))
    : Either.right(value)
}

const optional = <K extends string>(key: K, value: string | undefined): { readonly [P in K]?: string } =>
  (value === undefined ? {} : { [key]: value }) as { readonly [P in K]?: string }

// ---------------------------------------------------------------------------
// WWW-Authenticate
// ---------------------------------------------------------------------------

export const parseWwwAuthenticate = (value: string): Result<AuthChallenge> =>
  Either.flatMap(splitScheme("WWW-Authenticate", value), ({ scheme, rest }) =>
    Either.flatMap(parseAuthParams("WWW-Authenticate", rest), (params): Result<AuthChallenge> => {
      const realm = required("WWW-Authenticate", params, "realm")
      if (Either.isLeft(realm)) return Either.left(realm.left)
      if (scheme === "basic") return Either.right({ _tag: "Basic", realm: realm.right })
      const nonce = required("WWW-Authenticate", params, "nonce")
      if (Either.isLeft(nonce)) return Either.left(nonce.left)
      const qop = params.get("qop")
      const stale = params.get("stale")
      return Either.right({
        _tag: "Digest",
        realm: realm.right,
        nonce: nonce.right,
        ...optional("opaque", params.get("opaque")),
        ...optional("algorithm", params.get("algorithm")),
        ...(qop === undefined
          ? {}
          : { qop: qop.split(",").map((q) => q.trim()).filter((q) => q !== "") }),
        ...(stale === undefined ? {} : { stale: stale.trim().toLowerCase() === "true" })
      })
    })
  )

/** algorithm and qop are tokens (RFC 2617 §3.2.1/§3.2.2); anything else is written quoted, so it reads back the same. */
const tokenOrQuoted = (value: string): string => (TOKEN.test(value) ? value : quote(value))

export const formatWwwAuthenticate = (challenge: AuthChallenge): string => {
  if (challenge._tag === "Basic") return `Basic realm=${quote(challenge.realm)}`
  const parts = [`realm=${quote(challenge.realm)}`, `nonce=${quote(challenge.nonce)}`]
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`)
  if (challenge.algorithm !== undefined) parts.push(`algorithm=${tokenOrQuoted(challenge.algorithm)}`)
  if (challenge.qop !== undefined) parts.push(`qop=${quote(challenge.qop.join(","))}`)
  if (challenge.stale !== undefined) parts.push(`stale=${challenge.stale ? "TRUE" : "FALSE"}`)
  return `Digest ${parts.join(", ")}`
}

// ---------------------------------------------------------------------------
// Authorization
// ---------------------------------------------------------------------------

const parseBasicCredentials = (text: string): Result<BasicAuthorization> => {
  if (!BASE64.test(text)) {
    return Either.left(headerError("Authorization", "Malformed", `Basic credentials ${show(text)} are not base64`))
  }
  const decoded = Buffer.from(text, "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  if (colon < 0) {
    return Either.left(headerError("Authorization", "Malformed", "Basic credentials have no ':' between user and password"))
  }
  return Either.right({ _tag: "Basic", username: decoded.slice(0, colon), password: decoded.slice(colon + 1) })
}

const parseDigestCredentials = (params: ReadonlyMap<string, string>): Result<DigestAuthorization> => {
  const fields: Record<string, string> = {}
  for (const name of ["username", "realm", "nonce", "uri", "response"]) {
    const value = required("Authorization", params, name)
    if (Either.isLeft(value)) return Either.left(value.left)
    fields[name] = value.right
  }
  const qop = params.get("qop")
  let counted: { readonly qop: string; readonly nc: number; readonly cnonce: string } | undefined
  if (qop !== undefined) {
    const nc = required("Authorization", params, "nc")
    if (Either.isLeft(nc)) return Either.left(nc.left)
    const cnonce = required("Authorization", params, "cnonce")
    if (Either.isLeft(cnonce)) return Either.left(cnonce.left)
    if (!NONCE_COUNT.test(nc.right)) {
      return Either.left(headerError("Authorization", "InvalidNumber", `nc ${show(nc.right)} is not 1 to 8 hex digits`))
    }
    counted = { qop, nc: Number.parseInt(nc.right, 16), cnonce: cnonce.right }
  }
  return Either.right({
    _tag: "Digest",
    username: fields["username"] ?? "",
    realm: fields["realm"] ?? "",
    nonce: fields["nonce"] ?? "",
    uri: fields["uri"] ?? "",
    response: fields["response"] ?? "",
    ...optional("algorithm", params.get("algorithm")),
    ...optional("opaque", params.get("opaque")),
    ...(counted ?? {})
  })
}

export const parseAuthorization = (value: string): Result<Authorization> =>
  Either.flatMap(splitScheme("Authorization", value), ({ scheme, rest }): Result<Authorization> =>
    scheme === "basic"
      ? parseBasicCredentials(rest)
      : Either.flatMap(parseAuthParams("Authorization", rest), parseDigestCredentials)
  )

const formatNonceCount = (nc: number): string => (nc >>> 0).toString(16).padStart(8, "0")

export const formatAuthorization = (authorization: Authorization): string => {
  if (authorization._tag === "Basic") {
    const credentials = Buffer.from(`${authorization.username}:${authorization.password}`, "utf8")
    return `Basic ${credentials.toString("base64")}`
  }
  const parts = [
    `username=${quote(authorization.username)}`,
    `realm=${quote(authorization.realm)}`,
    `nonce=${quote(authorization.nonce)}`,
    `uri=${quote(authorization.uri)}`,
    `response=${quote(authorization.response)}`
  ]
  if (authorization.algorithm !== undefined) parts.push(`algorithm=${tokenOrQuoted(authorization.algorithm)}`)
  if (authorization.opaque !== undefined) parts.push(`opaque=${quote(authorization.opaque)}`)
  if (authorization.qop !== undefined) {
    parts.push(`qop=${tokenOrQuoted(authorization.qop)}`)
    if (authorization.nc !== undefined) parts.push(`nc=${formatNonceCount(authorization.nc)}`)
    if (authorization.cnonce !== undefined) parts.push(`cnonce=${quote(authorization.cnonce)}`)
  }
  return `Digest ${parts.join(", ")}`
}

// ---------------------------------------------------------------------------
// Digest computation (RFC 2617 §3.2.2)
// ---------------------------------------------------------------------------

export interface DigestResponseInput {
  readonly username: string
  readonly password: string
  readonly realm: string
  readonly nonce: string
  /** The RTSP method of the request being authorised, e.g. "DESCRIBE". */
  readonly method: string
  /** The digest-uri, as sent in the Authorization header (the request URL for RTSP). */
  readonly uri: string
  /** "MD5" (the default) or "SHA-256", case-insensitive (RFC 7616). */
  readonly algorithm?: string
  /** Only "auth" is supported; absent for the RFC 2069 form. */
  readonly qop?: string
  readonly nc?: number
  readonly cnonce?: string
}

/** The digest algorithms computed here, as RFC 7616 names them. */
export const DIGEST_ALGORITHMS = ["SHA-256", "MD5"] as const
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number]

const HASH_OF: Readonly<Record<DigestAlgorithm, string>> = { "MD5": "md5", "SHA-256": "sha256" }

const digestHash = (algorithm: DigestAlgorithm, text: string): string =>
  createHash(HASH_OF[algorithm]).update(text, "utf8").digest("hex")

/** The algorithm an `algorithm=` parameter names (absent: MD5); undefined when it is not one computed here. */
export const digestAlgorithmOf = (written: string | undefined): DigestAlgorithm | undefined => {
  if (written === undefined) return "MD5"
  const upper = written.toUpperCase()
  return DIGEST_ALGORITHMS.find((algorithm) => algorithm === upper)
}

/** HA1 = H(username:realm:password): what a server stores instead of the password. */
export const computeHa1 = (algorithm: DigestAlgorithm, username: string, realm: string, password: string): string =>
  digestHash(algorithm, `${username}:${realm}:${password}`)

export type DigestFromHa1Input = Omit<DigestResponseInput, "password" | "username" | "realm"> & { readonly ha1: string }

/** The request-digest from a stored HA1. Fails for unsupported algorithms and qop other than auth. */
export const computeDigestFromHa1 = (input: DigestFromHa1Input): Result<string> => {
  const algorithm = digestAlgorithmOf(input.algorithm)
  if (algorithm === undefined) {
    return Either.left(headerError("Authorization", "Unsupported", `unsupported digest algorithm ${show(input.algorithm ?? "")}`))
  }
  const qop = input.qop?.toLowerCase()
  if (qop !== undefined && qop !== "auth") {
    return Either.left(headerError("Authorization", "Unsupported", `unsupported qop ${show(input.qop ?? "")}`))
  }
  const ha2 = digestHash(algorithm, `${input.method}:${input.uri}`)
  if (qop === undefined) return Either.right(digestHash(algorithm, `${input.ha1}:${input.nonce}:${ha2}`))
  if (input.cnonce === undefined || input.nc === undefined) {
    return Either.left(headerError("Authorization", "MissingParameter", "nc and cnonce are required with qop"))
  }
  return Either.right(digestHash(algorithm, `${input.ha1}:${input.nonce}:${formatNonceCount(input.nc)}:${input.cnonce}:${qop}:${ha2}`))
}

/** The request-digest (32 hex digits for MD5, 64 for SHA-256). Fails for unsupported algorithms and qop other than auth. */
export const computeDigestResponse = (input: DigestResponseInput): Result<string> => {
  const algorithm = digestAlgorithmOf(input.algorithm)
  if (algorithm === undefined) {
    return Either.left(headerError("Authorization", "Unsupported", `unsupported digest algorithm ${show(input.algorithm ?? "")}`))
  }
  const { username, realm, password, ...rest } = input
  return computeDigestFromHa1({ ...rest, ha1: computeHa1(algorithm, username, realm, password) })
}

export interface DigestAnswerInput {
  readonly challenge: DigestChallenge
  readonly username: string
  readonly password: string
  readonly method: string
  readonly uri: string
  /** Client nonce; required when the challenge offers qop=auth. */
  readonly cnonce?: string
  /** Nonce count; defaults to 1. */
  readonly nc?: number
}

/**
 * Answers a Digest challenge: uses qop=auth when offered (auth-int alone is unsupported) and
 * echoes realm, nonce, opaque and algorithm back.
 */
export const answerDigestChallenge = (input: DigestAnswerInput): Result<DigestAuthorization> => {
  const { challenge } = input
  const offered = (challenge.qop ?? []).map((q) => q.toLowerCase())
  if (offered.length > 0 && !offered.includes("auth")) {
    return Either.left(headerError("Authorization", "Unsupported", `no supported qop in ${show(offered.join(","))}`))
  }
  if (offered.length > 0 && input.cnonce === undefined) {
    return Either.left(headerError("Authorization", "MissingParameter", "cnonce is required to answer qop=auth"))
  }
  const counted =
    offered.length > 0 && input.cnonce !== undefined ? { qop: "auth", nc: input.nc ?? 1, cnonce: input.cnonce } : undefined
  const base = {
    username: input.username,
    realm: challenge.realm,
    nonce: challenge.nonce,
    uri: input.uri
  }
  const response = computeDigestResponse({
    ...base,
    password: input.password,
    method: input.method,
    ...optional("algorithm", challenge.algorithm),
    ...(counted ?? {})
  })
  return Either.map(response, (response) => ({
    _tag: "Digest",
    ...base,
    response,
    ...optional("algorithm", challenge.algorithm),
    ...optional("opaque", challenge.opaque),
    ...(counted ?? {})
  }))
}

/**
 * Server side: true when the Digest Authorization's response matches the password for this
 * method. The caller still checks that realm and nonce are ones it issued.
 */
export const verifyDigestAuthorization = (
  authorization: DigestAuthorization,
  expected: { readonly password: string; readonly method: string }
): boolean => {
  const computed = computeDigestResponse({
    username: authorization.username,
    password: expected.password,
    realm: authorization.realm,
    nonce: authorization.nonce,
    method: expected.method,
    uri: authorization.uri,
    ...optional("algorithm", authorization.algorithm),
    ...optional("qop", authorization.qop),
    ...(authorization.nc === undefined ? {} : { nc: authorization.nc }),
    ...optional("cnonce", authorization.cnonce)
  })
  return Either.isRight(computed) && computed.right === authorization.response.toLowerCase()
}
