/**
 * The RTP facts of JPEG video (RFC 2435, RFC 3551 §5/§6), owned here so no
 * other file writes them as literals.
 */

/** RFC 3551's static payload type for JPEG. */
export const JPEG_PAYLOAD_TYPE = 26
/** RFC 2435 §3: JPEG video is timestamped on a 90 kHz clock. */
export const JPEG_CLOCK_RATE = 90000
/** The SDP encoding name of RFC 2435 JPEG (`a=rtpmap:26 JPEG/90000`). */
export const JPEG_ENCODING_NAME = "JPEG"

/** Media time of frame `frameIndex` at `fps` in clock ticks from `base`, as an unsigned 32-bit RTP timestamp. */
export const frameRtpTimestamp = (base: number, frameIndex: number, fps: number): number =>
  (base + Math.round((frameIndex * JPEG_CLOCK_RATE) / fps)) >>> 0

/** Clock ticks per frame at `fps` (4500 at 20 fps). */
export const ticksPerFrame = (fps: number): number => JPEG_CLOCK_RATE / fps
