/**
 * The authentication checks, run when the suite is given credentials (--user/--password): each
 * on a connection of its own that answers the server's challenges by hand, so the answer can be
 * wrong on purpose. A server that asks for no credentials at this URL has nothing to check.
 */
import { Effect, Either, type Scope } from "effect"
import { answerDigestChallenge, type DigestChallenge, formatAuthorization } from "../../src/protocol/rtsp/headers/auth.js"
import { getHeaders } from "../../src/protocol/rtsp/message.js"
import { connect, type RtspConnection, type RtspResponseInfo } from "../client/RtspClient.js"
import { pickChallenge } from "../client/credentials.js"
import { answered, errorText, sleepMs, type SuiteContext } from "./context.js"
import { fail, type Outcome, pass, skip } from "./types.js"

export const AUTH_CHECKS = [
  { id: "auth-challenge", name: "401 with a Digest challenge without credentials" },
  { id: "auth-login", name: "The right credentials are let in (Digest)" },
  { id: "auth-wrong-password", name: "401 for a wrong password" },
  { id: "auth-replay", name: "401 for a replayed Authorization" },
  { id: "auth-stale-nonce", name: "401 stale=true for an expired nonce" },
  { id: "auth-wrong-realm", name: "401 for a digest in another realm" },
  { id: "auth-wrong-uri", name: "401 or 400 for a digest of another URI" }
] as const

export type AuthCheckId = (typeof AUTH_CHECKS)[number]["id"]

export interface AuthSuite {
  readonly username: string
  readonly password: string
  /** Seconds after which the server's nonces are stale; unknown, the stale check cannot run. */
  readonly staleAfterSeconds?: number
}

type Reply = Either.Either<RtspResponseInfo, { readonly message: string }>

const challengesOf = (reply: RtspResponseInfo): ReadonlyArray<string> => getHeaders(reply.headers, "WWW-Authenticate")

/** The strongest Digest challenge a 401 offers; undefined when it offers none. */
const digestOf = (reply: RtspResponseInfo): DigestChallenge | undefined => {
  const picked = pickChallenge(challengesOf(reply))
  return picked?._tag === "Digest" ? picked : undefined
}

interface Answer {
  readonly challenge: DigestChallenge
  readonly password: string
  readonly uri: string
  readonly nc?: number
}

const authorization = (suite: AuthSuite, answer: Answer): string => {
  const computed = answerDigestChallenge({ ...answer, username: suite.username, method: "DESCRIBE", cnonce: "c0nf0rm5", nc: answer.nc ?? 1 })
  return Either.match(computed, { onLeft: (e) => `Digest error="${e.message}"`, onRight: formatAuthorization })
}

/** A connection without credentials (so nothing answers a 401 by itself), closed with the check. */
const bare = (ctx: SuiteContext) => connect(ctx.url, { timeoutMs: ctx.timeoutMs, ...(ctx.connectOptions.insecure === undefined ? {} : { insecure: ctx.connectOptions.insecure }) })

const describeOn = (conn: RtspConnection, ctx: SuiteContext, header?: string): Effect.Effect<Reply> =>
  Effect.either(conn.request("DESCRIBE", ctx.url, header === undefined ? {} : { Authorization: header }))

const statusOf = (reply: Reply): string => (Either.isLeft(reply) ? reply.left.message : answered(reply.right.status, reply.right.reason))

/** The first 401 and its Digest challenge, or the outcome that says why there is none. */
const challenged = (conn: RtspConnection, ctx: SuiteContext, expected: string) =>
  Effect.map(describeOn(conn, ctx), (reply): Either.Either<DigestChallenge, Outcome> => {
    if (Either.isLeft(reply)) return Either.left(fail(expected, reply.left.message))
    if (reply.right.status !== 401) return Either.left(skip(expected, `DESCRIBE without credentials was answered ${statusOf(reply)}: nothing asks for a login here`))
    const challenge = digestOf(reply.right)
    return challenge === undefined ? Either.left(skip(expected, `the 401 offers no Digest (${challengesOf(reply.right).join(" | ") || "no WWW-Authenticate"})`)) : Either.right(challenge)
  })

type AuthCheck = (ctx: SuiteContext, suite: AuthSuite) => Effect.Effect<Outcome, never, Scope.Scope>

/** Runs `body` with a bare connection and the challenge of its first 401. */
const withChallenge = (expected: string, body: (conn: RtspConnection, challenge: DigestChallenge) => Effect.Effect<Outcome, never, Scope.Scope>) =>
  (ctx: SuiteContext): Effect.Effect<Outcome, never, Scope.Scope> =>
    bare(ctx).pipe(
      Effect.matchEffect({
        onFailure: (e) => Effect.succeed(fail(expected, `cannot connect: ${errorText(e)}`)),
        onSuccess: (conn) => Effect.flatMap(challenged(conn, ctx, expected), Either.match({ onLeft: Effect.succeed, onRight: (challenge) => body(conn, challenge) }))
      })
    )

/** The check passes when the reply's status is one of `codes` (and `also` holds); a 200 means the server let a bad answer in. */
const refused = (expected: string, reply: Reply, codes: ReadonlyArray<number>, also?: (reply: RtspResponseInfo) => string | undefined): Outcome => {
  if (Either.isLeft(reply)) return fail(expected, reply.left.message)
  if (!codes.includes(reply.right.status)) return fail(expected, `${statusOf(reply)}${reply.right.status === 200 ? ": let in" : ""}`)
  const problem = also?.(reply.right)
  return problem === undefined ? pass(expected, statusOf(reply)) : fail(expected, `${statusOf(reply)}, ${problem}`)
}

const challengeCheck: AuthCheck = (ctx) => {
  const expected = "401 with WWW-Authenticate: Digest"
  return withChallenge(expected, (_conn, challenge) =>
    Effect.succeed(pass(expected, `401, Digest ${challenge.algorithm ?? "MD5"}${challenge.qop === undefined ? " without qop" : ` qop=${challenge.qop.join(",")}`}`)))(ctx)
}

const loginCheck: AuthCheck = (ctx, suite) => {
  const expected = "200 for the right credentials"
  return withChallenge(expected, (conn, challenge) =>
    Effect.map(describeOn(conn, ctx, authorization(suite, { challenge, password: suite.password, uri: ctx.url })), (reply) =>
      Either.isRight(reply) && reply.right.status === 200 ? pass(expected, statusOf(reply)) : fail(expected, statusOf(reply))))(ctx)
}

const wrongPasswordCheck: AuthCheck = (ctx, suite) => {
  const expected = "401 for a wrong password"
  return withChallenge(expected, (conn, challenge) =>
    Effect.map(describeOn(conn, ctx, authorization(suite, { challenge, password: `${suite.password}-wrong`, uri: ctx.url })), (reply) => refused(expected, reply, [401])))(ctx)
}

const replayCheck: AuthCheck = (ctx, suite) => {
  const expected = "401 for the same Authorization a second time"
  return withChallenge(expected, (conn, challenge) =>
    Effect.gen(function* () {
      if (challenge.qop === undefined || !challenge.qop.includes("auth")) {
        return skip(expected, "the challenge offers no qop=auth, so the server cannot count requests: a replay is not detectable")
      }
      const header = authorization(suite, { challenge, password: suite.password, uri: ctx.url, nc: 1 })
      const first = yield* describeOn(conn, ctx, header)
      if (Either.isLeft(first) || first.right.status !== 200) return fail(expected, `the first, right answer was not let in: ${statusOf(first)}`)
      return refused(expected, yield* describeOn(conn, ctx, header), [401])
    }))(ctx)
}

const staleCheck: AuthCheck = (ctx, suite) => {
  const expected = "401 with stale=true for a right answer to an expired nonce"
  const after = suite.staleAfterSeconds
  if (after === undefined) return Effect.succeed(skip(expected, "give --stale-after SECONDS (longer than the server's nonce lifetime) to wait for a nonce to expire"))
  return withChallenge(expected, (conn, challenge) =>
    Effect.gen(function* () {
      yield* sleepMs(after * 1000)
      const reply = yield* describeOn(conn, ctx, authorization(suite, { challenge, password: suite.password, uri: ctx.url }))
      return refused(expected, reply, [401], (r) => {
        const fresh = digestOf(r)
        return fresh?.stale === true ? undefined : "but its challenge does not say stale=true"
      })
    }))(ctx)
}

const wrongRealmCheck: AuthCheck = (ctx, suite) => {
  const expected = "401 for a digest computed in another realm"
  return withChallenge(expected, (conn, challenge) =>
    Effect.map(
      describeOn(conn, ctx, authorization(suite, { challenge: { ...challenge, realm: `${challenge.realm}-other` }, password: suite.password, uri: ctx.url })),
      (reply) => refused(expected, reply, [401])
    ))(ctx)
}

const wrongUriCheck: AuthCheck = (ctx, suite) => {
  const expected = "401 (or 400, RFC 7616 §3.4.6) for a digest of another URI"
  return withChallenge(expected, (conn, challenge) =>
    Effect.map(
      describeOn(conn, ctx, authorization(suite, { challenge, password: suite.password, uri: `${ctx.url.replace(/\/+$/, "")}/other` })),
      (reply) => refused(expected, reply, [401, 400])
    ))(ctx)
}

export const AUTH_CHECK_BODIES: ReadonlyArray<readonly [AuthCheckId, AuthCheck]> = [
  ["auth-challenge", challengeCheck],
  ["auth-login", loginCheck],
  ["auth-wrong-password", wrongPasswordCheck],
  ["auth-replay", replayCheck],
  ["auth-stale-nonce", staleCheck],
  ["auth-wrong-realm", wrongRealmCheck],
  ["auth-wrong-uri", wrongUriCheck]
]
