/** Shared helpers for the SDP tests: CRLF-joined lines and parse-or-fail accessors. */
import { Either } from "effect"
import { parseSdp, type MediaDescription, type SessionDescription } from "../../src/protocol/sdp.js"

export const crlf = (lines: ReadonlyArray<string>): string => lines.map((l) => `${l}\r\n`).join("")

export const parsed = (text: string): SessionDescription => {
  const result = parseSdp(text)
  if (Either.isLeft(result)) throw new Error(`expected SDP to parse: ${result.left.message}`)
  return result.right
}

export const mediaAt = (sdp: SessionDescription, index: number): MediaDescription => {
  const media = sdp.media[index]
  if (media === undefined) throw new Error(`no media #${index}`)
  return media
}
