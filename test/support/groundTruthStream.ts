/**
 * A scripted RTSP server whose stream is known exactly, for checking the harness's figures end
 * to end: after PLAY every connection gets the sample's first `frames` frames over TCP
 * interleaved, paced at `fps` (frame k at t0 + k/fps), with the listed packets left out, then
 * an RTCP BYE. TCP makes it deterministic: what was not left out arrives, in order. The
 * expected figures come from the same packetization (`truth`).
 */
import { Effect, Either, type Scope } from "effect"
import { readFileSync } from "node:fs"
import type * as net from "node:net"
import { analyzeMjpeg } from "../../src/media/analyze.js"
import { packetizeRfc2435 } from "../../src/protocol/jpeg/rfc2435Packetizer.js"
import { encodeRtcpCompound } from "../../src/protocol/rtcp.js"
import { encodeRtpPacket } from "../../src/protocol/rtp.js"
import { JPEG_PAYLOAD_TYPE } from "../../src/protocol/rtpJpeg.js"
import { serializeInterleaved } from "../../src/protocol/rtsp/serializer.js"
import { interleavedMjpegServer } from "./fakeRtspServer.js"

export interface GroundTruthOptions {
  readonly frames: number
  readonly fps: number
  /** Packets left out, as [frame, packet within the frame]; keep them off the frame's last (marker) packet. */
  readonly drop: ReadonlyArray<readonly [number, number]>
}

/** What a receiver of the whole stream must report. */
export interface GroundTruth {
  readonly packetsSent: number
  readonly packetsExpected: number
  readonly packetsLost: number
  readonly framesReceived: number
  readonly framesDropped: number
}

const SSRC = 0x5eed
const FIRST_SEQ = 1000

const SAMPLE = "video/movie.Mjpeg"

const payloadsOf = (count: number): ReadonlyArray<ReadonlyArray<Uint8Array>> => {
  const frames = analyzeMjpeg(readFileSync(SAMPLE), { fileName: SAMPLE }).rfc2435Frames ?? []
  if (frames.length < count) throw new Error(`${SAMPLE} has ${frames.length} RFC 2435 frames, fewer than ${count}`)
  return frames.slice(0, count).map((frame) => Either.getOrThrow(packetizeRfc2435(frame, { mtu: 1400 })))
}

export const truthOf = (options: GroundTruthOptions): GroundTruth => {
  const payloads = payloadsOf(options.frames)
  const total = payloads.reduce((n, frame) => n + frame.length, 0)
  const hitFrames = new Set(options.drop.map(([frame]) => frame))
  return {
    packetsSent: total - options.drop.length,
    packetsExpected: total,
    packetsLost: options.drop.length,
    framesReceived: options.frames - hitFrames.size,
    framesDropped: hitFrames.size
  }
}

export const groundTruthServer = (options: GroundTruthOptions): Effect.Effect<number, never, Scope.Scope> =>
  Effect.suspend(() => {
    const payloads = payloadsOf(options.frames)
    const dropped = new Set(options.drop.map(([frame, packet]) => `${frame}/${packet}`))
    const stepTicks = 90000 / options.fps

    const stream = (socket: net.Socket): void => {
      const t0 = performance.now()
      let seq = FIRST_SEQ
      const sendFrame = (k: number): void => {
        if (socket.destroyed) return
        if (k === payloads.length) {
          socket.write(serializeInterleaved(1, encodeRtcpCompound([{ _tag: "Goodbye", ssrcs: [SSRC] }])))
          return
        }
        const frame = payloads[k]!
        frame.forEach((payload, i) => {
          const sequenceNumber = seq++ & 0xffff
          if (dropped.has(`${k}/${i}`)) return
          const header = { marker: i === frame.length - 1, payloadType: JPEG_PAYLOAD_TYPE, sequenceNumber, timestamp: k * stepTicks, ssrc: SSRC, csrcs: [] }
          socket.write(serializeInterleaved(0, encodeRtpPacket({ header, payload: Buffer.from(payload), paddingLength: 0 })))
        })
        // Drift-free: frame k+1 is due at t0 + (k+1)/fps.
        setTimeout(() => sendFrame(k + 1), Math.max(0, t0 + ((k + 1) * 1000) / options.fps - performance.now()))
      }
      sendFrame(0)
    }

    return interleavedMjpegServer("5eed", stream)
  })
