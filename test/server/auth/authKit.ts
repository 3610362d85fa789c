/** Shared pieces of the authentication tests: challenges read from a 401, answers computed to them. */
import { Either } from "effect"
import {
  answerDigestChallenge,
  type DigestChallenge,
  formatAuthorization,
  parseWwwAuthenticate
} from "../../../src/protocol/rtsp/headers/auth.js"
import { getHeaders, type RtspResponse } from "../../../src/protocol/rtsp/message.js"

export const challengesOf = (response: RtspResponse): ReadonlyArray<string> => getHeaders(response.headers, "WWW-Authenticate")

/** The Digest challenge of a 401 in this algorithm. */
export const digestChallenge = (response: RtspResponse, algorithm: "SHA-256" | "MD5"): DigestChallenge => {
  for (const value of challengesOf(response)) {
    const parsed = parseWwwAuthenticate(value)
    if (Either.isRight(parsed) && parsed.right._tag === "Digest" && parsed.right.algorithm === algorithm) return parsed.right
  }
  throw new Error(`no Digest ${algorithm} challenge in ${JSON.stringify(challengesOf(response))}`)
}

export interface DigestAnswer {
  readonly challenge: DigestChallenge
  readonly username: string
  readonly password: string
  readonly method: string
  readonly uri: string
  readonly nc?: number
  /** Answer in RFC 2069's form, without qop (as GStreamer does). */
  readonly withoutQop?: boolean
}

export const digestHeader = (answer: DigestAnswer): string => {
  const challenge: DigestChallenge = answer.withoutQop === true ? { ...answer.challenge, qop: [] } : answer.challenge
  const { withoutQop: _ignored, ...rest } = answer
  const computed = answerDigestChallenge({ ...rest, challenge, cnonce: "0a4f113b", nc: answer.nc ?? 1 })
  if (Either.isLeft(computed)) throw new Error(computed.left.message)
  return formatAuthorization(computed.right)
}

export const basicHeader = (username: string, password: string): string => formatAuthorization({ _tag: "Basic", username, password })
