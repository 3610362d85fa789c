/**
 * "Each datagram is a whole JPEG": the payload after the 12-byte header, as the lab client writes it
 * to a file for Tk to show, must be one complete JPEG (SOI first, EOI last, no RFC 2435 header), and
 * a sample decodes to pixels with sharp. Judged on the datagram as sent: a frame too big for the
 * client's buffer is frame-size's fault, not this check's.
 */
import { Effect } from "effect"
import { decodeClassicPayload } from "../../../src/protocol/jpeg/classic.js"
import { decodeJpeg, sampleFrames } from "../frameDecode.js"
import { fail, type Outcome, pass } from "../types.js"
import { firstOf } from "./replyChecks.js"
import type { Datagram } from "./rtpCapture.js"
import { labPayloadOf, type Segments, seqOf } from "./segments.js"

/** Decoding every frame would cost more than it tells; the first and last are always among these. */
const MAX_DECODED = 12

const hexStart = (bytes: Buffer): string => [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ")

/** Whether the payload is a whole JPEG by its markers; what is wrong otherwise. */
const wholenessProblem = (payload: Buffer): string | undefined => {
  if (decodeClassicPayload(payload) === undefined) {
    return `starts with ${hexStart(payload) || "nothing"}, not a JPEG's FF D8${payload[0] === 0 ? " (an RFC 2435 header? the classic payload is the JPEG alone)" : ""}`
  }
  const end = payload.length
  return payload[end - 2] === 0xff && payload[end - 1] === 0xd9 ? undefined : "does not end with FF D9 (a cut JPEG)"
}

export const checkFramesDecode = (segments: Segments): Effect.Effect<Outcome> =>
  Effect.gen(function* () {
    const expected = "each payload one whole JPEG (FF D8 … FF D9), and a sample decodes"
    const flow: ReadonlyArray<Datagram> = [...segments.firstPlay, ...segments.paused, ...segments.resumed]
    if (flow.length === 0) return fail(expected, "no RTP datagram arrived")
    const broken = flow.flatMap((d) => {
      const problem = wholenessProblem(labPayloadOf(d))
      return problem === undefined ? [] : [`seq ${seqOf(d) ?? "?"} ${problem}`]
    })
    if (broken.length > 0) return fail(expected, `${broken.length} of ${flow.length} payloads: ${firstOf(broken)}`)
    const sample = sampleFrames(flow, MAX_DECODED)
    const sizes = new Set<string>()
    const errors: Array<string> = []
    for (const d of sample) {
      const decoded = yield* Effect.either(decodeJpeg(labPayloadOf(d)))
      if (decoded._tag === "Right") sizes.add(`${decoded.right.width}x${decoded.right.height}`)
      else errors.push(`seq ${seqOf(d) ?? "?"}: ${decoded.left}`)
    }
    const summary = `${flow.length} whole JPEGs; ${sample.length - errors.length} of ${sample.length} sampled decode${sizes.size > 0 ? ` (${[...sizes].join(", ")})` : ""}`
    if (errors.length > 0) return fail(expected, `${summary}; ${firstOf(errors, 1)}`)
    return pass(expected, summary)
  })
