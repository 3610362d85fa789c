/**
 * The door every DESCRIBE, ANNOUNCE and SETUP passes (RFC 2617 / RFC 7616 as
 * RTSP borrows them, RFC 2326 §12.5): open paths pass; otherwise the request
 * must carry credentials that check out and that the rules allow here.
 * Requests that name a session need no door of their own: the session is bound
 * to the connection that set it up.
 *
 * - The 401 offers Digest with SHA-256, then with MD5 (a client takes the
 *   strongest it knows), then Basic where Basic is allowed: over RTSPS, or
 *   everywhere with allowBasicCleartext.
 * - Digest without qop (RFC 2069's form, which GStreamer's rtspsrc sends) is
 *   taken; with qop=auth the nonce count must grow, so a captured request
 *   cannot be replayed.
 * - A failure waits its address's turn in the throttle first, and is counted
 *   by reason. Names and passwords never reach a log except a user name, quoted.
 */
import { Effect, Either } from "effect"
import { timingSafeEqual } from "node:crypto"
import {
  type Authorization,
  computeDigestFromHa1,
  type DigestAuthorization,
  digestAlgorithmOf,
  formatWwwAuthenticate,
  parseAuthorization
} from "../../protocol/rtsp/headers/auth.js"
import { getHeader, type RtspRequest } from "../../protocol/rtsp/message.js"
import { parseRequestTarget } from "../../protocol/rtsp/requestTarget.js"
import { parseTransport } from "../../protocol/rtsp/headers/transport.js"
import { decodedPath } from "../reply.js"
import type { ConnectionState, ServerContext } from "../context.js"
import { AccessForbidden, AuthenticationRequired } from "../errors.js"
import { type AccessAction, type AccessPolicy, isAllowed } from "./accessFile.js"
import type { AuthGuard } from "./guard.js"
import { DECOY_HASH, verifyPassword } from "./passwords.js"

export const AUTH_FAILURE_REASONS = [
  "malformed",
  "unknown-user",
  "bad-password",
  "wrong-realm",
  "wrong-uri",
  "bad-algorithm",
  "bad-nonce",
  "stale-nonce",
  "replay",
  "basic-cleartext",
  "forbidden",
  "classic"
] as const
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number]

type CredentialCheck =
  | { readonly _tag: "Accepted"; readonly user: string; readonly scheme: string }
  | { readonly _tag: "Refused"; readonly reason: AuthFailureReason; readonly user?: string }
  | { readonly _tag: "Stale"; readonly user: string }

const quotedUser = (name: string): string => JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name)

const sameText = (a: string, b: string): boolean => {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

const basicAllowed = (ctx: ServerContext, conn: ConnectionState): boolean => conn.secure || ctx.config.allowBasicCleartext

/** The challenges of a 401, each a WWW-Authenticate value, with a fresh nonce for this client. */
const challengesFor = (ctx: ServerContext, conn: ConnectionState, guard: AuthGuard, stale: boolean): ReadonlyArray<string> => {
  const nonce = guard.nonces.issue(conn.peer, ctx.clock.unsafeCurrentTimeMillis())
  const realm = guard.policy.realm
  const digest = (algorithm: string) =>
    formatWwwAuthenticate({ _tag: "Digest", realm, nonce, algorithm, qop: ["auth"], ...(stale ? { stale: true } : {}) })
  return [digest("SHA-256"), digest("MD5"), ...(basicAllowed(ctx, conn) ? [formatWwwAuthenticate({ _tag: "Basic", realm })] : [])]
}

const checkBasic = (ctx: ServerContext, conn: ConnectionState, policy: AccessPolicy, username: string, password: string) =>
  Effect.gen(function* () {
    if (!basicAllowed(ctx, conn)) return { _tag: "Refused", reason: "basic-cleartext", user: username } satisfies CredentialCheck
    const stored = policy.users.get(username)?.basic
    // An unknown user costs a check too, so that timing does not tell names apart.
    const matches = yield* verifyPassword(password, stored ?? DECOY_HASH)
    if (stored === undefined) return { _tag: "Refused", reason: "unknown-user", user: username } satisfies CredentialCheck
    return matches
      ? ({ _tag: "Accepted", user: username, scheme: "Basic" } satisfies CredentialCheck)
      : ({ _tag: "Refused", reason: "bad-password", user: username } satisfies CredentialCheck)
  })

const checkDigest = (ctx: ServerContext, conn: ConnectionState, guard: AuthGuard, req: RtspRequest, auth: DigestAuthorization): CredentialCheck => {
  const user = auth.username
  const policy = guard.policy
  if (auth.realm !== policy.realm) return { _tag: "Refused", reason: "wrong-realm", user }
  // The digest covers its uri: it must be this request's, or a reply for another URL would open this one.
  if (auth.uri !== req.uri) return { _tag: "Refused", reason: "wrong-uri", user }
  const algorithm = digestAlgorithmOf(auth.algorithm)
  if (algorithm === undefined) return { _tag: "Refused", reason: "bad-algorithm", user }
  const nonce = guard.nonces.check(auth.nonce, conn.peer, ctx.clock.unsafeCurrentTimeMillis())
  if (nonce === "forged") return { _tag: "Refused", reason: "bad-nonce", user }
  const ha1 = policy.users.get(user)?.digest?.[algorithm]
  if (ha1 === undefined) return { _tag: "Refused", reason: "unknown-user", user }
  const expected = computeDigestFromHa1({
    ha1,
    nonce: auth.nonce,
    method: req.method,
    uri: auth.uri,
    algorithm,
    ...(auth.qop === undefined ? {} : { qop: auth.qop }),
    ...(auth.nc === undefined ? {} : { nc: auth.nc }),
    ...(auth.cnonce === undefined ? {} : { cnonce: auth.cnonce })
  })
  if (Either.isLeft(expected)) return { _tag: "Refused", reason: "malformed", user }
  if (!sameText(expected.right, auth.response.toLowerCase())) return { _tag: "Refused", reason: "bad-password", user }
  // Only a reply that is right in every other way learns that its nonce is merely old (RFC 7616 §3.3).
  if (nonce === "stale") return { _tag: "Stale", user }
  if (auth.nc !== undefined && !guard.nonces.count(auth.nonce, auth.nc)) return { _tag: "Refused", reason: "replay", user }
  return { _tag: "Accepted", user, scheme: `Digest ${algorithm}${auth.qop === undefined ? " without qop" : ", qop=auth"}` }
}

const checkCredentials = (ctx: ServerContext, conn: ConnectionState, guard: AuthGuard, req: RtspRequest, header: string) => {
  const parsed = parseAuthorization(header)
  if (Either.isLeft(parsed)) return Effect.succeed<CredentialCheck>({ _tag: "Refused", reason: "malformed" })
  const auth: Authorization = parsed.right
  return auth._tag === "Basic" ? checkBasic(ctx, conn, guard.policy, auth.username, auth.password) : Effect.succeed(checkDigest(ctx, conn, guard, req, auth))
}

const describeAction = (action: AccessAction, path: string): string => `${action === "read" ? "reading" : "publishing"} ${path}`

/**
 * Lets the request through (with the user it is from, undefined when the path is open), or
 * refuses it: 401 with challenges, or 403.
 */
export const authorize = (
  ctx: ServerContext,
  conn: ConnectionState,
  req: RtspRequest,
  path: string,
  action: AccessAction
): Effect.Effect<string | undefined, AuthenticationRequired | AccessForbidden> =>
  Effect.gen(function* () {
    const guard = ctx.auth
    if (guard === undefined || isAllowed(guard.policy, undefined, path, action)) return undefined
    if (conn.dialect === "classic") {
      ctx.metrics.guard("authFailures", "classic")
      return yield* new AccessForbidden({ message: `${describeAction(action, path)} needs a login, and the classic dialect has none` })
    }
    const header = getHeader(req.headers, "Authorization")
    if (header === undefined) {
      return yield* new AuthenticationRequired({ challenges: challengesFor(ctx, conn, guard, false), message: `${describeAction(action, path)} needs credentials` })
    }
    const wait = guard.throttle.waitFor(conn.peer, ctx.clock.unsafeCurrentTimeMillis())
    if (wait > 0) yield* Effect.sleep(wait)
    const check = yield* checkCredentials(ctx, conn, guard, req, header)
    if (check._tag === "Stale") {
      ctx.metrics.guard("authFailures", "stale-nonce")
      return yield* new AuthenticationRequired({ challenges: challengesFor(ctx, conn, guard, true), message: `the nonce of user ${quotedUser(check.user)} is stale` })
    }
    if (check._tag === "Refused") {
      ctx.metrics.guard("authFailures", check.reason)
      const { failures, waitMillis } = guard.throttle.failed(conn.peer, ctx.clock.unsafeCurrentTimeMillis())
      if (waitMillis !== undefined && failures === ctx.config.authBackoff.freeFailures) {
        yield* Effect.logWarning(`auth: ${conn.peer} failed ${failures} times; its attempts now wait ${waitMillis} ms, doubling up to ${ctx.config.authBackoff.maxMillis} ms`).pipe(
          Effect.annotateLogs({ peer: conn.peer })
        )
      }
      const who = check.user === undefined ? "" : ` for user ${quotedUser(check.user)}`
      return yield* new AuthenticationRequired({ challenges: challengesFor(ctx, conn, guard, false), message: `credentials refused (${check.reason})${who}` })
    }
    guard.throttle.succeeded(conn.peer)
    yield* Effect.logDebug(`auth: user ${quotedUser(check.user)} logged in (${check.scheme}) for ${req.method} ${path}`).pipe(Effect.annotateLogs({ peer: conn.peer }))
    if (!isAllowed(guard.policy, check.user, path, action)) {
      ctx.metrics.guard("authFailures", "forbidden")
      return yield* new AccessForbidden({ message: `user ${quotedUser(check.user)} may not ${action} ${path}` })
    }
    return check.user
  })

/** A SETUP whose Transport (read by the project's one Transport codec) asks to record; one that does not parse is the handler's to refuse. */
const setsUpRecording = (req: RtspRequest): boolean => {
  const specs = parseTransport(getHeader(req.headers, "Transport") ?? "")
  return Either.isRight(specs) && specs.right.some((spec) => spec.mode === "RECORD")
}

/** The access a request asks for, when it is one the door checks: reading for DESCRIBE and SETUP, publishing for ANNOUNCE and a SETUP to record. */
export const accessAsked = (req: RtspRequest): AccessAction | undefined => {
  switch (req.method) {
    case "DESCRIBE":
      return "read"
    case "ANNOUNCE":
      return "publish"
    case "SETUP":
      return setsUpRecording(req) ? "publish" : "read"
    default:
      return undefined
  }
}

/** The door for one request: DESCRIBE, ANNOUNCE and SETUP on a path pass it; the rest need none. */
export const guardRequest = (ctx: ServerContext, conn: ConnectionState, req: RtspRequest): Effect.Effect<void, AuthenticationRequired | AccessForbidden> => {
  const action = accessAsked(req)
  const target = parseRequestTarget(req.uri)
  // A target without a media path is the handler's to refuse (400), with or without credentials.
  if (ctx.auth === undefined || action === undefined || target === undefined) return Effect.void
  const path = decodedPath(target) ?? target.mediaPath
  return Effect.map(authorize(ctx, conn, req, path, action), (user) => {
    if (req.method === "SETUP") conn.logins.set(path, { user, action })
  })
}
