/**
 * The lab client's RTP port: one UDP socket (the client sends no RTCP, so no pair), every datagram
 * kept whole with its arrival time (performance.now() ms, stamped in the socket's callback), for
 * the pure judgements in streamChecks.ts. Closed with the Scope.
 */
import { Effect, type Scope } from "effect"
import { makeUdpSocket, type UdpSocketError } from "../../../src/net/UdpSocket.js"

export interface Datagram {
  readonly arrivalMs: number
  readonly data: Buffer
}

export interface RtpCapture {
  readonly port: number
  /** A live view: it grows while the capture runs. */
  readonly datagrams: ReadonlyArray<Datagram>
  /** Datagrams not kept because the capture was full (a server that floods). */
  readonly overflow: () => number
}

/** 20 fps for the few seconds of a grade is about a hundred; this bounds a flooding server. */
const MAX_DATAGRAMS = 5000
/** Lab frames reach tens of kB; a bigger kernel buffer keeps a burst from being dropped before it is counted. */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024

export const captureRtp = (host: string): Effect.Effect<RtpCapture, UdpSocketError, Scope.Scope> =>
  Effect.gen(function* () {
    const socket = yield* makeUdpSocket({ host, port: 0, receiveBufferBytes: RECEIVE_BUFFER_BYTES })
    const datagrams: Array<Datagram> = []
    let overflow = 0
    socket.deliverTo((data, arrivalMs) => {
      if (datagrams.length < MAX_DATAGRAMS) datagrams.push({ arrivalMs, data })
      else overflow++
    })
    return { port: socket.port, datagrams, overflow: () => overflow }
  })
