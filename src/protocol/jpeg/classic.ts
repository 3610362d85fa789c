/**
 * The classic (Kurose-Ross lab) payload: the whole JPEG as the RTP payload,
 * one datagram per frame, no RFC 2435 header.
 */

/** The classic client reads with recv(20480): 12 bytes of RTP header leave this much for the JPEG. */
export const CLASSIC_MAX_FRAME_BYTES = 20480 - 12
/** Largest UDP payload over IPv4 (65,535 - 8 UDP - 20 IP) less the RTP header: the largest frame any single datagram carries. */
export const MAX_DATAGRAM_FRAME_BYTES = 65507 - 12

/** The classic payload is the JPEG itself: shared, never copied. */
export const classicPayload = (jpeg: Buffer): Buffer => jpeg

export type ClassicFrameCheck = "Fits" | "TooLargeForClassicClient" | "TooLargeForDatagram"

export const checkClassicFrameSize = (frameBytes: number): ClassicFrameCheck =>
  frameBytes > MAX_DATAGRAM_FRAME_BYTES
    ? "TooLargeForDatagram"
    : frameBytes > CLASSIC_MAX_FRAME_BYTES
      ? "TooLargeForClassicClient"
      : "Fits"

/** Decodes a classic payload: a complete JPEG, SOI first. Returns undefined when it is not one. */
export const decodeClassicPayload = (payload: Uint8Array): Buffer | undefined => {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
  return buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xd8 ? buf : undefined
}
