/**
 * Digest nonces that need no table to check (RFC 7616 §3.3): each carries its
 * issue time and an HMAC, under a secret made when the process starts, of that
 * time, some randomness and the client's address. A nonce from elsewhere, or
 * for another address, fails the HMAC; an old one is stale. The nonce counts
 * clients send with qop=auth are remembered per nonce (a bounded number of
 * nonces), so a captured request cannot be played again.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"

export type NonceCheck = "fresh" | "stale" | "forged"

export interface NonceBook {
  readonly issue: (peer: string, nowMillis: number) => string
  readonly check: (nonce: string, peer: string, nowMillis: number) => NonceCheck
  /** Records a nonce count; false when it is not above every count seen with this nonce (a replay). */
  readonly count: (nonce: string, nc: number) => boolean
}

const TIME_BYTES = 6
const RANDOM_BYTES = 9
const MAC_BYTES = 18
const NONCE_BYTES = TIME_BYTES + RANDOM_BYTES + MAC_BYTES

export interface NonceOptions {
  readonly lifetimeMillis: number
  /** Nonces whose counts are remembered; past it the oldest are forgotten (and then come back stale). */
  readonly maxCounted: number
  /** The HMAC key; a fresh random one when absent. */
  readonly secret?: Buffer
}

export const makeNonceBook = (options: NonceOptions): NonceBook => {
  const secret = options.secret ?? randomBytes(32)
  const mac = (body: Buffer, peer: string): Buffer =>
    createHmac("sha256", secret).update(body).update(peer, "utf8").digest().subarray(0, MAC_BYTES)
  // Insertion order is issue order: the first entries are the oldest.
  const counts = new Map<string, number>()
  const forgotten = new Set<string>()

  const issue = (peer: string, nowMillis: number): string => {
    const body = Buffer.alloc(TIME_BYTES + RANDOM_BYTES)
    body.writeUIntBE(Math.max(0, Math.floor(nowMillis)), 0, TIME_BYTES)
    randomBytes(RANDOM_BYTES).copy(body, TIME_BYTES)
    return Buffer.concat([body, mac(body, peer)]).toString("base64url")
  }

  const check = (nonce: string, peer: string, nowMillis: number): NonceCheck => {
    const bytes = Buffer.from(nonce, "base64url")
    if (bytes.length !== NONCE_BYTES || bytes.toString("base64url") !== nonce) return "forged"
    const body = bytes.subarray(0, TIME_BYTES + RANDOM_BYTES)
    if (!timingSafeEqual(bytes.subarray(TIME_BYTES + RANDOM_BYTES), mac(body, peer))) return "forged"
    const issuedAt = body.readUIntBE(0, TIME_BYTES)
    if (nowMillis - issuedAt > options.lifetimeMillis || forgotten.has(nonce)) return "stale"
    return "fresh"
  }

  const count = (nonce: string, nc: number): boolean => {
    const last = counts.get(nonce) ?? 0
    if (nc <= last) return false
    counts.delete(nonce)
    counts.set(nonce, nc)
    while (counts.size > options.maxCounted) {
      const oldest = counts.keys().next().value
      if (oldest === undefined) break
      counts.delete(oldest)
      // A forgotten nonce could be replayed from count 1 again: it is stale from now on instead.
      forgotten.add(oldest)
      if (forgotten.size > options.maxCounted) forgotten.delete(forgotten.values().next().value ?? "")
    }
    return true
  }

  return { issue, check, count }
}
