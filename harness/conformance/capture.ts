/**
 * Records a session's RTP and RTCP as they arrive, over UDP (the client port pair) or TCP (`$`
 * frames on the RTSP connection), each stamped with its arrival time (performance.now() ms, the
 * clock RtspClient uses for its own timings). The consumers are fibers in the caller's scope.
 */
import { Duration, Effect, Either, type Scope, Stream } from "effect"
import type { UdpSocketPair } from "../../src/net/UdpSocket.js"
import { decodeRtcpCompound } from "../../src/protocol/rtcp.js"
import { decodeRtpPacket } from "../../src/protocol/rtp.js"
import type { RtspConnection } from "../client/RtspClient.js"
import type { PacketRecord, RtcpRecord } from "./streamAnalysis.js"

export interface Capture {
  /** Live views: they grow while the capture runs. */
  readonly rtp: ReadonlyArray<PacketRecord>
  readonly rtcp: ReadonlyArray<RtcpRecord>
  readonly undecodable: () => number
  readonly firstUndecodable: () => string | undefined
}

interface Recorder extends Capture {
  readonly onRtp: (data: Buffer, arrivalMs: number) => void
  readonly onRtcp: (data: Buffer, arrivalMs: number) => void
}

const makeRecorder = (): Recorder => {
  const rtp: Array<PacketRecord> = []
  const rtcp: Array<RtcpRecord> = []
  let undecodable = 0
  let firstUndecodable: string | undefined
  return {
    rtp,
    rtcp,
    undecodable: () => undecodable,
    firstUndecodable: () => firstUndecodable,
    onRtp: (data, arrivalMs) => {
      const decoded = decodeRtpPacket(data)
      if (Either.isLeft(decoded)) {
        undecodable++
        firstUndecodable ??= decoded.left.message
        return
      }
      const h = decoded.right.header
      rtp.push({ seq: h.sequenceNumber, timestamp: h.timestamp, marker: h.marker, ssrc: h.ssrc, payloadType: h.payloadType, arrivalMs, data })
    },
    onRtcp: (data, arrivalMs) => {
      const decoded = decodeRtcpCompound(data)
      // Undecodable RTCP is not the RTP checks' business; the SR/BYE checks report what did arrive.
      if (Either.isRight(decoded)) rtcp.push({ packets: decoded.right, arrivalMs })
    }
  }
}

export const captureUdp = (pair: UdpSocketPair): Effect.Effect<Capture, never, Scope.Scope> =>
  Effect.gen(function* () {
    const recorder = makeRecorder()
    yield* Effect.forkScoped(Stream.runForEach(pair.rtp.messages, (m) => Effect.sync(() => recorder.onRtp(m.data, performance.now()))))
    yield* Effect.forkScoped(Stream.runForEach(pair.rtcp.messages, (m) => Effect.sync(() => recorder.onRtcp(m.data, performance.now()))))
    return recorder
  })

export const captureInterleaved = (conn: RtspConnection, channels: readonly [number, number]): Effect.Effect<Capture, never, Scope.Scope> =>
  Effect.gen(function* () {
    const recorder = makeRecorder()
    yield* Effect.forkScoped(
      Stream.runForEach(conn.interleaved, (frame) =>
        Effect.sync(() => {
          if (frame.channel === channels[0]) recorder.onRtp(frame.payload, performance.now())
          else if (frame.channel === channels[1]) recorder.onRtcp(frame.payload, performance.now())
        }))
    )
    return recorder
  })

const POLL_MS = 10

/** Waits until `done()` holds or `timeoutMs` passes; true when it held. */
export const pollUntil = (done: () => boolean, timeoutMs: number): Effect.Effect<boolean> =>
  Effect.gen(function* () {
    const deadline = performance.now() + Math.max(0, timeoutMs)
    for (;;) {
      if (done()) return true
      const left = deadline - performance.now()
      if (left <= 0) return false
      yield* Effect.sleep(Duration.millis(Math.min(POLL_MS, left)))
    }
  })
