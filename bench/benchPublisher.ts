/**
 * For the published-path cases: a publisher that pushes the sample over TCP interleaved at its
 * frame rate (ANNOUNCE, SETUP mode=record, RECORD, then `$` frames), noting when each frame's
 * last packet was written; and one viewer on plain UDP that notes when each frame's marker
 * packet arrived. Both live in the bench process, so one clock (performance.now) times the
 * publish → view latency; the bench's own event loop is part of what is measured.
 */
import { createSocket } from "node:dgram"
import { connect } from "node:net"
import { performance } from "node:perf_hooks"
import { readFileSync } from "node:fs"
import { Either } from "effect"
import { analyzeMjpeg } from "../src/media/analyze.js"
import { packetizeRfc2435 } from "../src/protocol/jpeg/rfc2435Packetizer.js"
import { getHeader, type RtspResponse } from "../src/protocol/rtsp/message.js"
import { makeRtspParser } from "../src/protocol/rtsp/parser.js"
import { serializeInterleaved } from "../src/protocol/rtsp/serializer.js"
import { rtpMarkerAt, rtpTimestampAt, RTP_FIXED_HEADER_SIZE, writeRtpHeader } from "../src/protocol/rtp.js"
import { openControl } from "./serverLoadClient.js"

const SDP = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=bench\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 0 RTP/AVP 26\r\na=control:streamid=0\r\n"
const REPLY_TIMEOUT_MS = 10_000
/** Send times kept for this many frames back (a viewer's frame is matched within them). */
const KEEP_FRAMES = 256

export interface BenchPublisher {
  /** When frame `timestamp`'s last packet was written (performance.now()). */
  readonly sentAt: ReadonlyMap<number, number>
  readonly framesSent: () => number
  readonly stop: () => void
}

/** The sample's frames as RTP/JPEG payloads at MTU 1400. */
const samplePayloads = (sample: string): ReadonlyArray<ReadonlyArray<Buffer>> => {
  const analysis = analyzeMjpeg(readFileSync(sample), { fileName: sample })
  if (analysis.rfc2435Frames === undefined) throw new Error(`${sample} cannot be sent as RFC 2435`)
  return analysis.rfc2435Frames.map((frame) => Either.getOrThrow(packetizeRfc2435(frame, { mtu: 1400 })))
}

export const startBenchPublisher = (port: number, path: string, sample: string, fps: number): Promise<BenchPublisher> =>
  new Promise((resolve, reject) => {
    const payloads = samplePayloads(sample)
    const url = `rtsp://127.0.0.1:${port}/${path}`
    const socket = connect({ host: "127.0.0.1", port, noDelay: true })
    const parser = makeRtspParser()
    const waiting: Array<(response: RtspResponse) => void> = []
    socket.on("data", (chunk: Buffer) => {
      for (const item of parser.push(chunk)) if (item._tag === "Response") waiting.shift()?.(item)
    })
    socket.on("error", (error) => reject(error))
    let cseq = 0
    const request = (head: string, body = ""): Promise<RtspResponse> =>
      new Promise((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`no reply to ${head.split(" ")[0]} in ${REPLY_TIMEOUT_MS} ms`)), REPLY_TIMEOUT_MS)
        waiting.push((response) => { clearTimeout(timer); done(response) })
        socket.write(`${head}\r\nCSeq: ${++cseq}\r\n${body === "" ? "" : `Content-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`}\r\n${body}`)
      })
    const sentAt = new Map<number, number>()
    let timer: NodeJS.Timeout | undefined
    let k = 0
    socket.once("connect", () => {
      void (async () => {
        const announced = await request(`ANNOUNCE ${url} RTSP/1.0`, SDP)
        if (announced.statusCode !== 200) throw new Error(`ANNOUNCE: ${announced.statusCode}`)
        const setup = await request(`SETUP ${url}/streamid=0 RTSP/1.0\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record`)
        if (setup.statusCode !== 200) throw new Error(`SETUP: ${setup.statusCode}`)
        const session = (getHeader(setup.headers, "Session") ?? "").split(";")[0]!
        const recording = await request(`RECORD ${url} RTSP/1.0\r\nSession: ${session}`)
        if (recording.statusCode !== 200) throw new Error(`RECORD: ${recording.statusCode}`)
        const t0 = performance.now()
        let seq = 1
        const sendDue = (): void => {
          const parts = payloads[k % payloads.length]!
          const timestamp = (k * (90000 / fps)) >>> 0
          const frame = Buffer.concat(parts.map((payload, i) => {
            const packet = Buffer.allocUnsafe(RTP_FIXED_HEADER_SIZE + payload.length)
            writeRtpHeader(packet, 0, i === parts.length - 1, 26, seq++, timestamp, 0xbe4c)
            payload.copy(packet, RTP_FIXED_HEADER_SIZE)
            return serializeInterleaved(0, packet)
          }))
          socket.write(frame)
          sentAt.set(timestamp, performance.now())
          sentAt.delete((((k - KEEP_FRAMES) * (90000 / fps)) >>> 0))
          k++
          timer = setTimeout(sendDue, Math.max(0, t0 + (k * 1000) / fps - performance.now()))
        }
        sendDue()
        resolve({ sentAt, framesSent: () => k, stop: () => { clearTimeout(timer); socket.destroy() } })
      })().catch((error: unknown) => {
        socket.destroy()
        reject(error)
      })
    })
  })

export interface LatencyViewer {
  /** Publish → view latency of each frame seen while measuring, ms. */
  readonly samples: ReadonlyArray<number>
  /** Starts (true) or stops (false) keeping samples. */
  readonly measure: (on: boolean) => void
  readonly stop: () => void
}

/**
 * One UDP viewer of `path`. Its first frame is matched to the publisher's latest frame sent before
 * it arrived (right while latency stays under a frame interval); the RTP timestamps' constant
 * offset matches every later frame.
 */
export const startLatencyViewer = async (port: number, path: string, publisher: BenchPublisher): Promise<LatencyViewer> => {
  const rtp = createSocket("udp4")
  const rtcp = createSocket("udp4")
  await new Promise<void>((done) => rtp.bind(0, "127.0.0.1", done))
  await new Promise<void>((done) => rtcp.bind(0, "127.0.0.1", done))
  const samples: Array<number> = []
  let measuring = false
  let offset: number | undefined
  rtp.on("message", (packet: Buffer) => {
    if (packet.length < RTP_FIXED_HEADER_SIZE || !rtpMarkerAt(packet, 0)) return
    const now = performance.now()
    const viewerTs = rtpTimestampAt(packet, 0)
    if (offset === undefined) {
      let latest: [number, number] | undefined
      for (const entry of publisher.sentAt) if (entry[1] <= now && (latest === undefined || entry[1] > latest[1])) latest = entry
      if (latest === undefined) return
      offset = (viewerTs - latest[0]) >>> 0
    }
    const sent = publisher.sentAt.get((viewerTs - offset) >>> 0)
    if (sent !== undefined && measuring) samples.push(now - sent)
  })
  const url = `rtsp://127.0.0.1:${port}/${path}`
  const control = await openControl("127.0.0.1", port, REPLY_TIMEOUT_MS)
  const rtpPort = rtp.address().port
  const setup = await control.request("SETUP", `${url}/streamid=0`, [["Transport", `RTP/AVP;unicast;client_port=${rtpPort}-${rtcp.address().port}`]])
  if (setup.response.statusCode !== 200) throw new Error(`viewer SETUP: ${setup.response.statusCode}`)
  const session = (getHeader(setup.response.headers, "Session") ?? "").split(";")[0]!
  const play = await control.request("PLAY", url, [["Session", session]])
  if (play.response.statusCode !== 200) throw new Error(`viewer PLAY: ${play.response.statusCode}`)
  return {
    samples,
    measure: (on) => { measuring = on },
    stop: () => {
      control.close()
      rtp.close()
      rtcp.close()
    }
  }
}
