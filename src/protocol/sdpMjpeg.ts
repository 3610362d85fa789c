/**
 * The one kind of track this project serves and looks for: RFC 2435 JPEG
 * video. The builder writes it the way ffmpeg, GStreamer, VLC and gortsplib
 * expect; the predicates find it in any server's description.
 */
import { JPEG_CLOCK_RATE, JPEG_ENCODING_NAME, JPEG_PAYLOAD_TYPE } from "./rtpJpeg.js"
import { formatNptSeconds } from "./rtsp/headers/range.js"
import type { MediaDescription, SdpRtpMap, SessionDescription } from "./sdp.js"

// ---------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------

export interface MjpegSdpOptions {
  /** Numeric string for `o=` (NTP-style timestamps are customary). */
  readonly sessionId: string
  /** `o=` session version; defaults to "1". */
  readonly sessionVersion?: string
  /** Unicast address of the server for `o=`; defaults to "0.0.0.0". */
  readonly host?: string
  /** `s=`; an empty name is written as a single space, as RFC 4566 recommends. */
  readonly name: string
  /** Track control, relative to Content-Base ("streamid=0", "trackID=0") or absolute. */
  readonly control: string
  /** `a=framerate:`; absent when the rate is not known yet (a published stream before its second frame). */
  readonly fps?: number
  /** Length of the presentation; a negative or non-finite value gives an open range (`npt=0-`). */
  readonly durationSeconds: number
  /** 26 (static JPEG, the default) or a dynamic type 96..127. */
  readonly payloadType?: number
  /** A live stream (RFC 2326 §C.1.5): `a=range:npt=now-`, whatever the duration. */
  readonly live?: boolean
}

/** Line values must not break the line structure. */
const oneLine = (text: string): string => text.replace(/[\r\n]+/g, " ")

/** At most three decimals, no trailing zeros: 20 -> "20", 29.97 -> "29.97". */
const formatDecimal = (n: number): string => (Number.isFinite(n) && n > 0 ? n : 0).toFixed(3).replace(/\.?0+$/, "")

/**
 * One MJPEG video track (RFC 2435) in the shape ffmpeg, GStreamer, VLC and gortsplib expect:
 * port 0 in `m=` (RTSP negotiates ports in SETUP), `c=IN IP4 0.0.0.0` (unicast, destination from
 * SETUP), aggregate `a=control:*`, an explicit rtpmap even for static type 26.
 */
export const buildMjpegSdp = (options: MjpegSdpOptions): string => {
  const host = oneLine(options.host ?? "0.0.0.0")
  const addressType = host.includes(":") ? "IP6" : "IP4"
  const payloadType = options.payloadType ?? JPEG_PAYLOAD_TYPE
  const name = oneLine(options.name)
  const duration =
    Number.isFinite(options.durationSeconds) && options.durationSeconds >= 0
      ? formatNptSeconds(options.durationSeconds)
      : ""
  const lines = [
    "v=0",
    `o=- ${oneLine(options.sessionId)} ${oneLine(options.sessionVersion ?? "1")} IN ${addressType} ${host}`,
    `s=${name === "" ? " " : name}`,
    "c=IN IP4 0.0.0.0",
    "t=0 0",
    "a=control:*",
    options.live === true ? "a=range:npt=now-" : `a=range:npt=0-${duration}`,
    `m=video 0 RTP/AVP ${payloadType}`,
    `a=rtpmap:${payloadType} ${JPEG_ENCODING_NAME}/${JPEG_CLOCK_RATE}`,
    ...(options.fps === undefined ? [] : [`a=framerate:${formatDecimal(options.fps)}`]),
    `a=control:${oneLine(options.control)}`
  ]
  return lines.map((line) => `${line}\r\n`).join("")
}

// ---------------------------------------------------------------------------
// MJPEG tracks
// ---------------------------------------------------------------------------

const isJpegRtpMap = (map: SdpRtpMap): boolean => map.encoding.toUpperCase() === JPEG_ENCODING_NAME

/** A video track carrying RFC 2435 JPEG: static payload type 26, or a dynamic type mapped to JPEG. */
export const isMjpegMedia = (media: MediaDescription): boolean =>
  media.kind === "video" && (media.formats.includes(JPEG_PAYLOAD_TYPE) || media.rtpmaps.some(isJpegRtpMap))

/** The first MJPEG track of a description. */
export const findMjpegMedia = (sdp: SessionDescription): MediaDescription | undefined => sdp.media.find(isMjpegMedia)

/** The payload type an MJPEG track's packets carry: its JPEG rtpmap's, else the static 26. */
export const mjpegPayloadType = (media: MediaDescription): number =>
  media.rtpmaps.find(isJpegRtpMap)?.payloadType ?? JPEG_PAYLOAD_TYPE
