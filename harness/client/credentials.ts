/**
 * Credentials for the harness RTSP client: taken from `rtsp://user:pass@host/...` or given
 * explicitly, and turned into an Authorization header after a 401 (Basic or Digest, RFC 2617).
 */
import { Either } from "effect"
import { randomBytes } from "node:crypto"
import {
  answerDigestChallenge,
  type AuthChallenge,
  DIGEST_ALGORITHMS,
  digestAlgorithmOf,
  formatAuthorization,
  parseWwwAuthenticate
} from "../../src/protocol/rtsp/headers/auth.js"

export interface Credentials {
  readonly username: string
  readonly password: string
}

export interface ParsedRtspUrl {
  readonly host: string
  readonly port: number
  /** The URL with any `user:pass@` removed: what goes on the request line. */
  readonly url: string
  readonly credentials?: Credentials
  /** An rtsps:// URL: RTSP inside TLS (absent for rtsp://). */
  readonly secure?: true
}

export const DEFAULT_RTSP_PORT = 554
/** RTSP over TLS (RFC 2326 §3.2; IANA registers 322 for rtsps). */
export const DEFAULT_RTSPS_PORT = 322

/** Splits an rtsp:// URL into where to connect and the credentials it carries; undefined if it is not one. */
export const parseRtspUrl = (text: string): ParsedRtspUrl | undefined => {
  let parsed: URL
  try {
    parsed = new URL(text)
  } catch {
    return undefined
  }
  const secure = parsed.protocol === "rtsps:"
  if ((parsed.protocol !== "rtsp:" && !secure) || parsed.hostname === "") return undefined
  const port = parsed.port !== "" ? Number(parsed.port) : secure ? DEFAULT_RTSPS_PORT : DEFAULT_RTSP_PORT
  // IPv6 literals come back bracketed; node:net wants them bare.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1")
  const credentials =
    parsed.username === "" ? undefined : { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) }
  return { host, port, url: stripCredentials(text), ...(credentials === undefined ? {} : { credentials }), ...(secure ? { secure } : {}) }
}

/** Removes `user[:pass]@` from an absolute URL's authority; other strings pass unchanged. */
export const stripCredentials = (url: string): string => url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@?#]*@/i, "$1")

/**
 * Picks the strongest challenge a 401 offers that can be answered: Digest with SHA-256, then
 * Digest with MD5, then Basic (RFC 7616 §3.7: one challenge per algorithm, the client chooses);
 * undefined if none parses.
 */
export const pickChallenge = (values: ReadonlyArray<string>): AuthChallenge | undefined => {
  const challenges = values.flatMap((value) => {
    const parsed = parseWwwAuthenticate(value)
    return Either.isRight(parsed) ? [parsed.right] : []
  })
  const digests = challenges.flatMap((c) => {
    const algorithm = c._tag === "Digest" ? digestAlgorithmOf(c.algorithm) : undefined
    return c._tag === "Digest" && algorithm !== undefined ? [{ challenge: c, rank: DIGEST_ALGORITHMS.indexOf(algorithm) }] : []
  })
  digests.sort((a, b) => a.rank - b.rank)
  return digests[0]?.challenge ?? challenges.find((c) => c._tag === "Basic") ?? challenges[0]
}

/** The Authorization header value answering `challenge` for one request; an error message if it cannot. */
export const authorizationFor = (
  challenge: AuthChallenge,
  credentials: Credentials,
  method: string,
  uri: string,
  nonceCount: number
): Either.Either<string, string> => {
  if (challenge._tag === "Basic") {
    return Either.right(formatAuthorization({ _tag: "Basic", username: credentials.username, password: credentials.password }))
  }
  const answer = answerDigestChallenge({
    challenge,
    username: credentials.username,
    password: credentials.password,
    method,
    uri,
    cnonce: randomBytes(8).toString("hex"),
    nc: nonceCount
  })
  return Either.mapBoth(answer, { onLeft: (e) => e.message, onRight: formatAuthorization })
}

/** An rtsp:// (or rtsps://) URL that names something on the server (RTSP needs a path to SETUP); the reason in words when not. */
export const checkRtspUrl = (text: string): Either.Either<string, string> => {
  const parsed = parseRtspUrl(text)
  if (parsed === undefined) return Either.left(`not an rtsp:// URL: ${text} (expected e.g. rtsp://127.0.0.1:8554/movie.Mjpeg or rtsps://127.0.0.1:8322/movie.Mjpeg)`)
  const path = new URL(text).pathname
  if (path === "" || path === "/") return Either.left(`the URL has no path: ${text} (name the stream, e.g. rtsp://${new URL(text).host}/movie.Mjpeg)`)
  return Either.right(text)
}

/** The URL as it may be shown (output, JSON, reports): a password in it becomes `***`. */
export const maskCredentials = (url: string): string => url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@?#:]*):[^/@?#]*@/i, "$1:***@")

/** A command line as it may be shown: the URLs' passwords and the value of --password masked. */
export const maskCommandLine = (args: ReadonlyArray<string>): string =>
  args.map((arg, i) => (args[i - 1] === "--password" ? "***" : maskCredentials(arg.replace(/^--password=.*/, "--password=***")))).join(" ")
