/**
 * What a server with a users file keeps for authentication: the policy (the
 * file, compiled; replaced on reload), the nonce book and the failure throttle.
 */
import { Effect } from "effect"
import type { ServerConfig } from "../config.js"
import { ServerStartError } from "../errors.js"
import { type AccessAction, type AccessPolicy, compilePolicy, parseUsersFile } from "./accessFile.js"
import { makeNonceBook, type NonceBook } from "./nonces.js"
import { type FailureThrottle, makeFailureThrottle } from "./throttle.js"
import { readFile } from "node:fs/promises"

/** Who a session's SETUP came from (undefined: an open path, nobody logged in) and what it was let do. */
export interface Login {
  readonly user: string | undefined
  readonly action: AccessAction
}

export interface AuthGuard {
  /** The users file now in force. */
  policy: AccessPolicy
  readonly nonces: NonceBook
  readonly throttle: FailureThrottle
}

/** Nonces whose counts are remembered; each is a few dozen bytes. */
const COUNTED_NONCES = 100_000
/** Client addresses whose failures are remembered. */
const THROTTLED_ADDRESSES = 100_000

/** Reads and checks the users file; the error names the file and each problem with its place in it. */
export const loadUsersFile = (path: string): Effect.Effect<AccessPolicy, ServerStartError> =>
  Effect.gen(function* () {
    const text = yield* Effect.tryPromise({
      try: () => readFile(path, "utf8"),
      catch: (cause) => new ServerStartError({ reason: "Users", message: `users file ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, cause })
    })
    const parsed = parseUsersFile(text)
    if (parsed._tag === "Left") return yield* new ServerStartError({ reason: "Users", message: `users file ${path}: ${parsed.left}` })
    return compilePolicy(parsed.right)
  })

export const makeAuthGuard = (config: ServerConfig): Effect.Effect<AuthGuard | undefined, ServerStartError> =>
  config.usersFile === undefined
    ? Effect.succeed(undefined)
    : Effect.map(loadUsersFile(config.usersFile), (policy) => ({
      policy,
      nonces: makeNonceBook({ lifetimeMillis: config.nonceLifetimeSeconds * 1000, maxCounted: COUNTED_NONCES }),
      throttle: makeFailureThrottle({ ...config.authBackoff, maxAddresses: THROTTLED_ADDRESSES })
    }))

/** The start's line about authentication, so an operator sees what the server asks of clients. */
export const authLine = (config: ServerConfig, policy: AccessPolicy): string => {
  const open = policy.rules.filter((rule) => rule.anonymous).length
  const basic = config.allowBasicCleartext ? "Basic on plain RTSP too" : "Basic only over RTSPS"
  return `auth: users file ${config.usersFile ?? "?"} (${policy.users.size} user${policy.users.size === 1 ? "" : "s"}, realm "${policy.realm}", ${policy.rules.length} rule${policy.rules.length === 1 ? "" : "s"}, ${open} open to anonymous); Digest SHA-256 and MD5, ${basic}`
}
