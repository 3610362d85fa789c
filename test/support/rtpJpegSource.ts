/**
 * The sample as a publisher would send it: each frame's RFC 2435 packets with RTP headers (one
 * SSRC, consecutive sequence numbers, 90 kHz timestamps at 20 fps or as asked, marker on each frame's last).
 */
import { readFileSync } from "node:fs"
import { Either } from "effect"
import { analyzeMjpeg } from "../../src/media/analyze.js"
import { packetizeRfc2435 } from "../../src/protocol/jpeg/rfc2435Packetizer.js"
import { RTP_FIXED_HEADER_SIZE, writeRtpHeader } from "../../src/protocol/rtp.js"

export const SOURCE_FPS = 20
const analysis = analyzeMjpeg(readFileSync("video/movie.Mjpeg"), { fileName: "movie.Mjpeg" })
/** The sample's JPEGs, frame k at index k. */
export const sourceJpegs: ReadonlyArray<Buffer> = analysis.frames.map((f) => f.jpeg)
const payloads = analysis.rfc2435Frames!.map((frame) => Either.getOrThrow(packetizeRfc2435(frame, { mtu: 1400 })))

export interface RtpSourceOptions {
  readonly ssrc?: number
  readonly payloadType?: number
  readonly firstSeq?: number
  readonly firstTimestamp?: number
  /** The frame rate the timestamps step at (default SOURCE_FPS). */
  readonly fps?: number
}

/** A stream of the sample's frames as RTP packets, frame by frame, looping over the file. */
export const makeRtpJpegSource = (options: RtpSourceOptions = {}) => {
  let seq = options.firstSeq ?? 1000
  const base = options.firstTimestamp ?? 12345
  const ssrc = options.ssrc ?? 0x5eed
  const pt = options.payloadType ?? 26
  const ticksPerFrame = 90000 / (options.fps ?? SOURCE_FPS)
  return {
    /** Frame k's packets (k counts on past the file's end: timestamps keep growing). */
    frame: (k: number): ReadonlyArray<Buffer> => {
      const parts = payloads[k % payloads.length]!
      return parts.map((payload, i) => {
        const packet = Buffer.alloc(RTP_FIXED_HEADER_SIZE + payload.length)
        writeRtpHeader(packet, 0, i === parts.length - 1, pt, seq++, (base + k * ticksPerFrame) >>> 0, ssrc)
        payload.copy(packet, RTP_FIXED_HEADER_SIZE)
        return packet
      })
    }
  }
}

export const JPEG_SDP = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 0 RTP/AVP 26\r\na=control:streamid=0\r\n"
