/**
 * Password hashes for the users file: scrypt for Basic (the password itself
 * arrives, so only a slow hash is kept), and the HA1s Digest needs. scrypt
 * runs on libuv's thread pool, so checking a password never blocks the
 * sessions' event loop.
 */
import { Effect } from "effect"
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto"
import { computeHa1, DIGEST_ALGORITHMS, type DigestAlgorithm } from "../../protocol/rtsp/headers/auth.js"

/** N = 2^14, r = 8, p = 1: about 16 MiB and tens of milliseconds a check (RFC 7914's interactive figure). */
const SCRYPT_COST = { N: 16384, r: 8, p: 1 } as const
const KEY_BYTES = 32
const SALT_BYTES = 16
const SCRYPT_HASH = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/

const scryptKey = (password: string, salt: Buffer, cost: { readonly N: number; readonly r: number; readonly p: number }, length: number) =>
  Effect.async<Buffer, Error>((resume) => {
    scrypt(password, salt, length, { ...cost, maxmem: 128 * cost.N * cost.r * 2 }, (error, key) =>
      resume(error === null ? Effect.succeed(key) : Effect.fail(error)))
  })

/** `scrypt$N$r$p$salt$key` (base64), what the users file keeps for Basic. */
export const hashPassword = (password: string): Effect.Effect<string, Error> =>
  Effect.gen(function* () {
    const salt = randomBytes(SALT_BYTES)
    const key = yield* scryptKey(password, salt, SCRYPT_COST, KEY_BYTES)
    return `scrypt$${SCRYPT_COST.N}$${SCRYPT_COST.r}$${SCRYPT_COST.p}$${salt.toString("base64")}$${key.toString("base64")}`
  })

/** Whether the password matches the stored scrypt hash; a malformed hash matches nothing. */
export const verifyPassword = (password: string, stored: string): Effect.Effect<boolean> => {
  const match = SCRYPT_HASH.exec(stored)
  if (match === null) return Effect.succeed(false)
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const salt = Buffer.from(match[4] ?? "", "base64")
  const expected = Buffer.from(match[5] ?? "", "base64")
  if (expected.length === 0 || N > 1 << 20 || r > 32 || p > 16) return Effect.succeed(false)
  return scryptKey(password, salt, { N, r, p }, expected.length).pipe(
    Effect.map((key) => timingSafeEqual(key, expected)),
    Effect.orElseSucceed(() => false)
  )
}

/** The HA1 of every algorithm Digest is offered in, for one user in one realm. */
export const digestHa1s = (username: string, realm: string, password: string): Record<DigestAlgorithm, string> =>
  Object.fromEntries(DIGEST_ALGORITHMS.map((algorithm) => [algorithm, computeHa1(algorithm, username, realm, password)])) as Record<DigestAlgorithm, string>

/** A hash nobody's password matches, checked for unknown users so that they take as long as known ones. */
export const DECOY_HASH = `scrypt$${SCRYPT_COST.N}$${SCRYPT_COST.r}$${SCRYPT_COST.p}$${Buffer.alloc(SALT_BYTES).toString("base64")}$${Buffer.alloc(KEY_BYTES).toString("base64")}`
