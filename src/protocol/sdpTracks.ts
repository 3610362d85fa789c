/**
 * The tracks of any server's description, as a client sets them up: each RTP media line with
 * its control URL, payload type, encoding, clock rate and format parameters, and the codec we
 * know it as. The selection rules of `--tracks` (video, audio, all, or one control) live here
 * too. Pure: an SDP in, tracks or a reason out.
 */
import { Either } from "effect"
import { JPEG_CLOCK_RATE, JPEG_PAYLOAD_TYPE } from "./rtpJpeg.js"
import { type MediaDescription, resolveControlUrl, type SessionDescription } from "./sdp.js"

/** The codecs the harness measures beyond RTP; anything else is "other", delimited by marker bit and timestamp. */
export type TrackCodec = "JPEG" | "H264" | "H265" | "AAC" | "PCMU" | "PCMA" | "OPUS" | "other"

export interface TrackDescription {
  /** Position among the description's media lines, from 0. */
  readonly index: number
  /** "video", "audio", ... */
  readonly kind: string
  /** The `a=control:` as written ("stream=0"), or "" when the media line has none. */
  readonly control: string
  /** The control resolved against the content base: where its SETUP goes. */
  readonly url: string
  readonly payloadType: number
  /** As the rtpmap writes it ("H264", "MPEG4-GENERIC"), or the static type's name. */
  readonly encoding: string
  readonly codec: TrackCodec
  readonly clockRate: number
  readonly channels?: number
  /** The `a=fmtp:` parameters of the payload type, names lower-cased. */
  readonly parameters: ReadonlyMap<string, string>
  readonly framerate?: number
}

/** Static payload types (RFC 3551) a server may use without an rtpmap. */
const STATIC_TYPES: Readonly<Record<number, { readonly encoding: string; readonly clockRate: number; readonly channels?: number }>> = {
  0: { encoding: "PCMU", clockRate: 8000, channels: 1 },
  8: { encoding: "PCMA", clockRate: 8000, channels: 1 },
  [JPEG_PAYLOAD_TYPE]: { encoding: "JPEG", clockRate: JPEG_CLOCK_RATE }
}

const CODECS: Readonly<Record<string, TrackCodec>> = {
  JPEG: "JPEG",
  H264: "H264",
  H265: "H265",
  "MPEG4-GENERIC": "AAC",
  PCMU: "PCMU",
  PCMA: "PCMA",
  OPUS: "OPUS"
}

/** `a=fmtp:` text ("packetization-mode=1;sprop-parameter-sets=Z2Q...,aO8=") as name → value; values keep their `=` padding. */
export const parseFormatParameters = (text: string): ReadonlyMap<string, string> => {
  const parameters = new Map<string, string>()
  for (const part of text.split(";")) {
    const equals = part.indexOf("=")
    const name = (equals < 0 ? part : part.slice(0, equals)).trim().toLowerCase()
    if (name !== "") parameters.set(name, equals < 0 ? "" : part.slice(equals + 1).trim())
  }
  return parameters
}

const describeTrack = (media: MediaDescription, index: number, contentBase: string): TrackDescription | undefined => {
  const payloadType = media.formats[0]
  if (payloadType === undefined || !media.protocol.toUpperCase().startsWith("RTP/")) return undefined
  const map = media.rtpmaps.find((m) => m.payloadType === payloadType) ?? STATIC_TYPES[payloadType]
  const encoding = map?.encoding ?? `payload type ${payloadType}`
  const channels = map?.channels
  return {
    index,
    kind: media.kind,
    control: media.control ?? "",
    url: resolveControlUrl(contentBase, media.control),
    payloadType,
    encoding,
    codec: CODECS[encoding.toUpperCase()] ?? "other",
    // RFC 3550 needs a clock for jitter; an unknown dynamic type gets video's customary 90 kHz.
    clockRate: map?.clockRate ?? JPEG_CLOCK_RATE,
    ...(channels === undefined ? {} : { channels }),
    parameters: parseFormatParameters(media.fmtp.get(payloadType) ?? ""),
    ...(media.framerate === undefined ? {} : { framerate: media.framerate })
  }
}

/** Every RTP track of the description, in order (a media line with no payload type, or not RTP, is left out). */
export const describeTracks = (sdp: SessionDescription, contentBase: string): ReadonlyArray<TrackDescription> =>
  sdp.media.flatMap((media, index) => describeTrack(media, index, contentBase) ?? [])

/** `--tracks`: the first video track (the default), the first audio track, every track, or the track with this control. */
export type TrackSelector = "video" | "audio" | "all" | { readonly control: string }

export const parseTrackSelector = (text: string): TrackSelector => {
  const trimmed = text.trim()
  return trimmed === "video" || trimmed === "audio" || trimmed === "all" ? trimmed : { control: trimmed }
}

const listed = (tracks: ReadonlyArray<TrackDescription>): string =>
  tracks.length === 0 ? "none" : tracks.map((t) => `${t.kind} ${t.encoding}${t.control === "" ? "" : ` (${t.control})`}`).join(", ")

/** The tracks a selector picks, or why none: the message lists what the description has. */
export const selectTracks = (tracks: ReadonlyArray<TrackDescription>, selector: TrackSelector): Either.Either<ReadonlyArray<TrackDescription>, string> => {
  if (selector === "all") return tracks.length > 0 ? Either.right(tracks) : Either.left("SDP has no RTP track")
  if (typeof selector === "string") {
    const track = tracks.find((t) => t.kind === selector)
    return track !== undefined ? Either.right([track]) : Either.left(`SDP has no ${selector} track (its tracks: ${listed(tracks)})`)
  }
  const track = tracks.find((t) => t.control === selector.control || t.url === selector.control)
  return track !== undefined
    ? Either.right([track])
    : Either.left(`SDP has no track with control ${JSON.stringify(selector.control)} (its tracks: ${listed(tracks)})`)
}
