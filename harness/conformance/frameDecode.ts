/**
 * "Frames decode", by the track's codec. MJPEG: the received packets are rebuilt into JPEGs by
 * the harness receiver (the project's RFC 2435 depacketizer) and a sample of them is decoded to
 * pixels with sharp. H.264/H.265: they are rebuilt into access units (RFC 6184/7798), which must
 * all arrive whole, with a keyframe and an SPS that reads. Another codec has no frame check.
 */
import { Effect, Either } from "effect"
import sharp from "sharp"
import { spropParameterSets } from "../../src/protocol/nal/spropParameterSets.js"
import type { TrackDescription } from "../../src/protocol/sdpTracks.js"
import { makeMjpegReceiver, type ReceivedFrame } from "../receiver/mjpegReceiver.js"
import { makeNalReceiver } from "../receiver/nalReceiver.js"
import type { PacketRecord } from "./streamAnalysis.js"
import { fail, type Outcome, pass, skip } from "./types.js"
import { messageOf } from "../../src/common/errorText.js"

/** Decoding every frame of a long watch would cost more than it tells. */
const MAX_DECODED = 12

/** Up to `max` frames spread evenly over the list, always the first and the last. */
export const sampleFrames = <A>(frames: ReadonlyArray<A>, max: number): ReadonlyArray<A> => {
  if (frames.length <= max) return frames
  const picked: Array<A> = []
  for (let i = 0; i < max; i++) picked.push(frames[Math.round((i * (frames.length - 1)) / (max - 1))]!)
  return picked
}

/** A JPEG's pixel size, or sharp's complaint (a warning counts: corrupt data decodes to grey). */
export const decodeJpeg = (jpeg: Buffer) =>
  Effect.tryPromise({
    // failOn "warning": libjpeg reports corrupt or truncated scan data as a warning, and decodes it to grey.
    try: () => sharp(jpeg, { failOn: "warning" }).raw().toBuffer({ resolveWithObject: true }),
    catch: (error) => messageOf(error)
  }).pipe(Effect.map(({ info }) => ({ width: info.width, height: info.height })))

const reasonsText = (byReason: Readonly<Partial<Record<string, number>>>): string =>
  Object.entries(byReason).map(([reason, n]) => `${n} ${reason}`).join(", ")

/** H.264/H.265: every access unit whole, a keyframe among them, an SPS (from the SDP or the stream) that reads. */
const checkAccessUnits = (packets: ReadonlyArray<PacketRecord>, track: TrackDescription & { readonly codec: "H264" | "H265" }): Outcome => {
  const rfc = track.codec === "H264" ? "RFC 6184" : "RFC 7798"
  const expected = `every access unit rebuilds whole (${rfc}), with a keyframe and an SPS that reads`
  const sprop = spropParameterSets(track.codec, track.parameters)
  const receiver = makeNalReceiver({ codec: track.codec, clockRate: track.clockRate, spropUnits: Either.getOrElse(sprop, () => []) })
  for (const p of packets) receiver.countRtp(p.data, 0, p.data.length, p.arrivalMs)
  const nal = receiver.nalFigures()
  const frames = receiver.snapshot().frames.framesReceived
  const sps = nal.sps === undefined ? `no SPS read${nal.spsError === undefined ? "" : ` (${nal.spsError})`}` : `SPS ${nal.sps.profile} ${nal.sps.level} ${nal.sps.width}x${nal.sps.height} from ${nal.sps.source === "sdp" ? "the SDP" : "the stream"}`
  const summary = `${frames} access units whole, ${nal.keyframes} keyframe${nal.keyframes === 1 ? "" : "s"}; ${sps}`
  const badSprop = Either.isLeft(sprop) ? `; the SDP's ${sprop.left}` : ""
  if (nal.brokenUnits > 0) return fail(expected, `${summary}; ${nal.brokenUnits} broken: ${reasonsText(nal.problems)}${badSprop}`)
  if (frames === 0 || nal.keyframes === 0 || nal.sps === undefined) return fail(expected, `${summary}${badSprop}`)
  return pass(expected, `${summary}${badSprop}`)
}

export const checkFramesDecode = (packets: ReadonlyArray<PacketRecord>, track?: TrackDescription): Effect.Effect<Outcome> =>
  Effect.gen(function* () {
    if (track !== undefined && (track.codec === "H264" || track.codec === "H265")) return checkAccessUnits(packets, { ...track, codec: track.codec })
    if (track !== undefined && track.codec !== "JPEG") return skip("frames rebuild and decode", `no frame check for ${track.encoding}`)
    const expected = "every frame rebuilds (RFC 2435) and decodes as a JPEG"
    const receiver = makeMjpegReceiver({ dialect: "standard" })
    const frames: Array<ReceivedFrame> = []
    for (const p of packets) frames.push(...receiver.onRtp(p.data, p.arrivalMs))
    const { framesDropped, droppedByReason } = receiver.snapshot().frames
    const drops = reasonsText(droppedByReason)
    if (frames.length === 0) return fail(expected, `no frame rebuilt from ${packets.length} packets${framesDropped > 0 ? `; dropped: ${drops}` : ""}`)
    const sample = sampleFrames(frames, MAX_DECODED)
    const sizes = new Set<string>()
    const errors: Array<string> = []
    for (const frame of sample) {
      const decoded = yield* Effect.either(decodeJpeg(frame.jpeg))
      if (decoded._tag === "Right") sizes.add(`${decoded.right.width}x${decoded.right.height}`)
      else errors.push(`timestamp ${frame.timestamp}: ${decoded.left}`)
    }
    const summary = `${frames.length} frames rebuilt, ${sample.length - errors.length} of ${sample.length} sampled decode${sizes.size > 0 ? ` (${[...sizes].join(", ")})` : ""}`
    if (errors.length > 0) return fail(expected, `${summary}; ${errors[0]}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`)
    if (framesDropped > 0) return fail(expected, `${summary}; ${framesDropped} dropped incomplete: ${drops}`)
    return pass(expected, summary)
  })
