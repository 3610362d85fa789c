/**
 * A scripted Kurose–Ross lab server (ServerWorker.py's behaviour) on 127.0.0.1 port 0, with one
 * fault switched on at a time: each request is one TCP read; replies are `RTSP/1.0 200 OK\nCSeq: n\n
 * Session: id` with no blank line; PLAY sends one whole JPEG per datagram to the TCP peer's
 * client_port, numbered by frame from 1, every 50 ms; PAUSE stops it, TEARDOWN stops it and closes
 * the RTP socket. Everything (timers, UDP sockets, connections) ends with the scope.
 */
import { Effect, type Scope } from "effect"
import * as dgram from "node:dgram"
import { readFileSync } from "node:fs"
import type * as net from "node:net"
import { encodeRtpPacket } from "../../../../src/protocol/rtp.js"
import { fakeTcpServer } from "../../../support/fakeRtspServer.js"

export interface LabServerScript {
  /** The reply to one request; default the lab's layout. */
  readonly reply?: (request: { readonly method: string; readonly cseq: string; readonly session: string }) => string
  /** Time between frames; default the lab's 50 ms. */
  readonly framePeriodMs?: number
  /** Numbers frames from 1 again on every PLAY (a fresh VideoStream per PLAY). */
  readonly restartSequenceOnPlay?: boolean
  /** PAUSE is answered, but the frames keep coming. */
  readonly keepSendingAfterPause?: boolean
  /** The JPEG for frame n (from 1); default the sample movie's frames in turn. */
  readonly frame?: (frameNumber: number) => Buffer
}

export const labReply = (request: { readonly cseq: string; readonly session: string }): string =>
  `RTSP/1.0 200 OK\nCSeq: ${request.cseq}\nSession: ${request.session}`

/** The sample movie's JPEGs, split by the lab format's 5-digit lengths. */
export const movieFrames = (): ReadonlyArray<Buffer> => {
  const bytes = readFileSync("video/movie.Mjpeg")
  const frames: Array<Buffer> = []
  for (let at = 0; at + 5 <= bytes.length;) {
    const length = Number(bytes.subarray(at, at + 5).toString("latin1"))
    frames.push(bytes.subarray(at + 5, at + 5 + length))
    at += 5 + length
  }
  return frames
}

const FRAMES = movieFrames()

const rtpDatagram = (frameNumber: number, jpeg: Buffer): Buffer =>
  encodeRtpPacket({
    // As RtpPacket.encode in the lab: V=2, no padding/extension/CSRC, M=0, PT=26, SSRC 0.
    header: { marker: false, payloadType: 26, sequenceNumber: frameNumber & 0xffff, timestamp: Math.floor(Date.now() / 1000) >>> 0, ssrc: 0, csrcs: [] },
    payload: jpeg,
    paddingLength: 0
  })

const serveConnection = (socket: net.Socket, script: LabServerScript): void => {
  const udp = dgram.createSocket("udp4")
  udp.on("error", () => undefined)
  let udpOpen = true
  let session = "0"
  let clientPort = 0
  let frameNumber = 0
  let timer: NodeJS.Timeout | undefined
  const stop = (): void => {
    clearInterval(timer)
    timer = undefined
  }
  const sendFrame = (): void => {
    frameNumber += 1
    const jpeg = script.frame?.(frameNumber) ?? FRAMES[(frameNumber - 1) % FRAMES.length]!
    if (udpOpen) udp.send(rtpDatagram(frameNumber, jpeg), clientPort, socket.remoteAddress ?? "127.0.0.1")
  }
  socket.on("close", () => {
    stop()
    if (udpOpen) udp.close()
    udpOpen = false
  })
  socket.on("data", (chunk: Buffer) => {
    // ServerWorker reads each request with one recv(256).
    const lines = chunk.toString("latin1").split("\n")
    const method = lines[0]?.split(" ")[0] ?? ""
    const cseq = lines[1]?.split(" ")[1] ?? "0"
    switch (method) {
      case "SETUP":
        session = String(100000 + Math.floor(Math.random() * 900000))
        clientPort = Number(/client_port\s*=\s*(\d+)/.exec(lines[2] ?? "")?.[1] ?? 0)
        frameNumber = 0
        break
      case "PLAY":
        if (script.restartSequenceOnPlay === true) frameNumber = 0
        timer ??= setInterval(sendFrame, script.framePeriodMs ?? 50)
        break
      case "PAUSE":
        if (script.keepSendingAfterPause !== true) stop()
        break
      case "TEARDOWN":
        stop()
        if (udpOpen) udp.close()
        udpOpen = false
        break
    }
    socket.write((script.reply ?? labReply)({ method, cseq, session }))
  })
}

/** Starts the server; its port. */
export const fakeLabServer = (script: LabServerScript = {}): Effect.Effect<number, never, Scope.Scope> =>
  fakeTcpServer((socket) => serveConnection(socket, script))
