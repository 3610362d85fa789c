/**
 * The load client of the server benchmark: N standard-dialect RTSP sessions
 * over UDP, each with its own TCP connection (DESCRIBE, SETUP of the MJPEG
 * track the SDP names, PLAY, TEARDOWN, parsed with the project's RTSP
 * parser) and its own RTP socket, so any RTSP server can be the peer. RTCP from the
 * server for every session goes to one shared socket and is only counted.
 * The client sends no RTCP: the server keeps a silent standard session for
 * its timeout plus grace (70 s by default), longer than any bench case.
 *
 * The per-packet path reads the RTP header fields straight from the
 * datagram (sequence number, marker bit): no decode, no allocation. The RTP
 * sockets are read through the batched receiver (recvmmsg, UDP_GRO) unless
 * it is missing or turned off, so the client's CPU per packet stays low
 * enough for 1,000 sessions beside the server on two cores. A
 * measuring window counts, per session, frames (marker packets), packets,
 * loss (sequence gaps) and the intervals between frame arrivals.
 * Every wait is bounded by a timeout and every loop by a count.
 */
import { createSocket, type Socket as DgramSocket } from "node:dgram"
import { connect, type Socket } from "node:net"
import { performance } from "node:perf_hooks"
import { getHeader, type RtspResponse } from "../src/protocol/rtsp/message.js"
import { makeRtspParser } from "../src/protocol/rtsp/parser.js"
import { findMjpegMedia, parseSdp, resolveControlUrl } from "../src/protocol/sdp.js"
import { messageOf } from "../src/common/errorText.js"
import { forEachDatagram, receiveBatched } from "../src/net/udpBatchReceive.js"
import { rtpMarkerAt, rtpSequenceNumberAt, rtpTimestampAt, timestampDelta } from "../src/protocol/rtp.js"
import { JPEG_CLOCK_RATE } from "../src/protocol/rtpJpeg.js"

export interface LoadClientOptions {
  readonly host: string
  readonly port: number
  /** Path of the media under the server's root, e.g. "movie.Mjpeg". */
  readonly mediaPath: string
  readonly sessions: number
  /** Sessions being set up at once. */
  readonly concurrency: number
  /** SO_RCVBUF wish for each RTP socket (Linux doubles it and caps it at net.core.rmem_max). */
  readonly recvBufferBytes: number
  readonly requestTimeoutMs: number
  /** Sessions not set up by this long after the start are given up (error "setup deadline"). */
  readonly setupDeadlineMs: number
  /** How long TEARDOWN replies are waited for (all sessions tear down at once). */
  readonly teardownTimeoutMs: number
  /** Read the RTP sockets through the batched receiver (recvmmsg + UDP_GRO) where it is built; else node:dgram. */
  readonly batchedReceive: boolean
}

/** What one session's RTP socket saw. Times are performance.now() milliseconds; NaN = not yet. */
export interface RtpReceiverStats {
  packets: number
  bytes: number
  frames: number
  /** First sequence number seen, and the highest one extended past 16-bit wraps. */
  baseSeq: number
  extMaxSeq: number
  lateOrDuplicate: number
  /** RFC 3550 §6.4.1 interarrival jitter in RTP timestamp units, from the previous packet's timestamp and arrival. */
  jitter: number
  lastTimestamp: number
  lastArrivalMs: number
  firstPacketAt: number
  firstFrameAt: number
  lastFrameAt: number
  // The measuring window.
  windowExpected0: number
  windowPackets0: number
  windowFrames: number
  windowFirstFrameAt: number
  windowLastFrameAt: number
}

export interface LoadSession {
  readonly index: number
  readonly stats: RtpReceiverStats
  readonly rtp: DgramSocket
  /** Stops the batched receiver's reading before the socket closes (nothing on the plain path). */
  readonly stopReceive: () => void
  control: RtspControl | undefined
  sessionId: string | undefined
  playSentAt: number
  playReplyAt: number
  error: string | undefined
}

export interface SessionWindow {
  readonly frames: number
  /** Time from the first to the last frame arrival inside the window (ms); NaN with fewer than 2 frames. */
  readonly spanMs: number
  readonly packets: number
  readonly expected: number
  /** The session's RFC 3550 jitter estimate at the end of the window (ms). */
  readonly jitterMs: number
}

export interface WindowResult {
  readonly seconds: number
  /** One entry per session that was up (PLAY answered 200 and a packet arrived). */
  readonly sessions: ReadonlyArray<SessionWindow>
  /** Every interval between consecutive frame arrivals of a session, inside the window (ms). */
  readonly frameIntervalsMs: ReadonlyArray<number>
}

export interface LoadClient {
  readonly sessions: ReadonlyArray<LoadSession>
  /** Sessions whose PLAY was answered 200 and whose first RTP packet arrived. */
  readonly sessionsUp: () => number
  readonly rtcpDatagrams: () => number
  /** SO_RCVBUF the kernel actually gave the first RTP socket. */
  readonly recvBufferBytes: number
  /** How the RTP sockets are read: "batched (recvmmsg, GRO)", or "plain node:dgram: <why>". */
  readonly receivePath: string
  readonly startWindow: () => void
  readonly endWindow: () => WindowResult
  /** TEARDOWN on every session that was set up, all at once, replies awaited at most teardownTimeoutMs; closes every socket. */
  readonly teardown: () => Promise<{ readonly ok: number; readonly failed: number }>
}

// --- RTSP control connection -------------------------------------------------------------

export interface TimedResponse {
  readonly response: RtspResponse
  /** performance.now() when the parser returned the response. */
  readonly at: number
}

export interface RtspControl {
  /** One request at a time per connection (this client never pipelines); the reply is awaited at most `timeoutMs` (default: the connection's). */
  readonly request: (method: string, uri: string, headers: ReadonlyArray<readonly [string, string]>, timeoutMs?: number) => Promise<TimedResponse>
  readonly close: () => void
}

export const openControl = (host: string, port: number, timeoutMs: number): Promise<RtspControl> =>
  new Promise((resolve, reject) => {
    const socket: Socket = connect({ host, port, noDelay: true })
    const parser = makeRtspParser()
    let cseq = 0
    let waiter: { resolve: (r: TimedResponse) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined
    const settleWaiter = (outcome: TimedResponse | Error) => {
      const w = waiter
      if (!w) return
      waiter = undefined
      clearTimeout(w.timer)
      if (outcome instanceof Error) w.reject(outcome)
      else w.resolve(outcome)
    }
    const connectTimer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no TCP connection within ${timeoutMs} ms`))
    }, timeoutMs)
    socket.on("data", (chunk: Buffer) => {
      const at = performance.now()
      for (const item of parser.push(chunk)) {
        if (item._tag === "Response") settleWaiter({ response: item, at })
      }
    })
    socket.on("error", (error) => {
      clearTimeout(connectTimer)
      reject(error)
      settleWaiter(error)
    })
    socket.on("close", () => settleWaiter(new Error("connection closed by the server")))
    socket.once("connect", () => {
      clearTimeout(connectTimer)
      resolve({
        request: (method, uri, headers, replyTimeoutMs = timeoutMs) =>
          new Promise<TimedResponse>((res, rej) => {
            if (waiter) return rej(new Error("a request is already in flight on this connection"))
            cseq++
            const lines = [`${method} ${uri} RTSP/1.0`, `CSeq: ${cseq}`, ...headers.map(([name, value]) => `${name}: ${value}`)]
            const timer = setTimeout(() => settleWaiter(new Error(`no reply to ${method} within ${replyTimeoutMs} ms`)), replyTimeoutMs)
            waiter = { resolve: res, reject: rej, timer }
            socket.write(lines.join("\r\n") + "\r\n\r\n")
          }),
        close: () => {
          settleWaiter(new Error("closed"))
          socket.destroy()
        }
      })
    })
  })

// --- RTP receiving -------------------------------------------------------------------------

const emptyStats = (): RtpReceiverStats => ({
  packets: 0,
  bytes: 0,
  frames: 0,
  baseSeq: 0,
  extMaxSeq: 0,
  lateOrDuplicate: 0,
  jitter: 0,
  lastTimestamp: 0,
  lastArrivalMs: Number.NaN,
  firstPacketAt: Number.NaN,
  firstFrameAt: Number.NaN,
  lastFrameAt: Number.NaN,
  windowExpected0: 0,
  windowPackets0: 0,
  windowFrames: 0,
  windowFirstFrameAt: Number.NaN,
  windowLastFrameAt: Number.NaN
})

/** Packets the sequence numbers say were sent, from the first one seen to the highest. */
const expectedPackets = (s: RtpReceiverStats): number => (s.packets === 0 ? 0 : s.extMaxSeq - s.baseSeq + 1)

interface Window {
  active: boolean
  readonly intervals: Array<number>
}

const RTP_UNITS_PER_MS = JPEG_CLOCK_RATE / 1000

/**
 * The per-datagram hot path: header fields read in place (RFC 3550 §5.1: seq at bytes 2-3,
 * marker = top bit of byte 1, timestamp at 4-7), from bytes [offset, offset + length) of `data`.
 */
const onRtp = (s: RtpReceiverStats, window: Window) => (data: Buffer, offset: number, length: number, now: number): void => {
  if (length < 12 || data[offset]! >> 6 !== 2) return
  const seq = rtpSequenceNumberAt(data, offset)
  if (s.packets === 0) {
    s.firstPacketAt = now
    s.baseSeq = seq
    s.extMaxSeq = seq
  } else {
    const delta = (seq - s.extMaxSeq) & 0xffff
    if (delta !== 0 && delta < 0x8000) s.extMaxSeq += delta
    else s.lateOrDuplicate++
  }
  // Jitter: D = (Rj - Ri) - (Sj - Si) in timestamp units, the timestamp difference taken mod 2^32.
  const timestamp = rtpTimestampAt(data, offset)
  if (s.packets > 0) {
    const d = (now - s.lastArrivalMs) * RTP_UNITS_PER_MS - timestampDelta(timestamp, s.lastTimestamp)
    s.jitter += (Math.abs(d) - s.jitter) / 16
  }
  s.lastTimestamp = timestamp
  s.lastArrivalMs = now
  s.packets++
  s.bytes += length
  if (!rtpMarkerAt(data, offset)) return
  s.frames++
  if (s.frames === 1) s.firstFrameAt = now
  if (window.active) {
    if (s.windowFrames === 0) s.windowFirstFrameAt = now
    else window.intervals.push(now - s.windowLastFrameAt)
    s.windowFrames++
    s.windowLastFrameAt = now
  }
  s.lastFrameAt = now
}

const bindUdp = (host: string, recvBufferBytes: number | undefined): Promise<DgramSocket> =>
  new Promise((resolve, reject) => {
    const socket = createSocket({ type: "udp4" })
    socket.once("error", reject)
    socket.bind(0, host, () => {
      socket.off("error", reject)
      // Errors after bind (none expected on a receive-only socket) must not crash the bench.
      socket.on("error", () => undefined)
      if (recvBufferBytes !== undefined) socket.setRecvBufferSize(recvBufferBytes)
      resolve(socket)
    })
  })

/** Runs `work(i)` for i in 0..count-1, at most `concurrency` at once. */
const pool = async (count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> => {
  let next = 0
  const worker = async () => {
    while (next < count) await work(next++)
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker))
}

/** What setUpEach needs of each session it sets up: its connection, and why it failed. */
export interface SetUpItem {
  control: RtspControl | undefined
  error: string | undefined
}

export interface SetUpOptions {
  readonly host: string
  readonly port: number
  readonly concurrency: number
  readonly requestTimeoutMs: number
  readonly setupDeadlineMs: number
}

/**
 * Opens a control connection for each item, at most `concurrency` at once and none after the
 * deadline, and runs `setUp` on it. A failure is the item's error, and its connection is closed
 * (a player gives up so: the server ends whatever it set up late).
 */
export const setUpEach = async <T extends SetUpItem>(items: ReadonlyArray<T>, options: SetUpOptions, setUp: (item: T, control: RtspControl) => Promise<void>): Promise<void> => {
  const deadline = performance.now() + options.setupDeadlineMs
  await pool(items.length, options.concurrency, async (i) => {
    const item = items[i]!
    if (performance.now() > deadline) {
      item.error = `not started within the setup deadline of ${options.setupDeadlineMs} ms`
      return
    }
    try {
      item.control = await openControl(options.host, options.port, options.requestTimeoutMs)
      await setUp(item, item.control)
    } catch (error) {
      item.error = messageOf(error)
      item.control?.close()
      item.control = undefined
    }
  })
}

/** TEARDOWN of every item's session at once (each bounded by `timeoutMs`), closing its connection; `after` then cleans up the rest of it. */
export const tearDownEach = async <T extends SetUpItem & { readonly sessionId: string | undefined }>(
  items: ReadonlyArray<T>,
  url: string,
  timeoutMs: number,
  after: (item: T) => void = () => {}
): Promise<{ readonly ok: number; readonly failed: number }> => {
  let ok = 0
  let failed = 0
  await Promise.all(items.map(async (item) => {
    const { control, sessionId } = item
    if (control !== undefined && sessionId !== undefined) {
      try {
        const reply = await control.request("TEARDOWN", url, [["Session", sessionId]], timeoutMs)
        if (reply.response.statusCode === 200) ok++
        else failed++
      } catch {
        failed++
      }
    }
    control?.close()
    item.control = undefined
    after(item)
  }))
  return { ok, failed }
}

/** The session a 200 SETUP reply names. */
export const setupSessionId = (setup: { readonly response: RtspResponse }): string => {
  if (setup.response.statusCode !== 200) throw new Error(`SETUP answered ${setup.response.statusCode}`)
  const sessionId = getHeader(setup.response.headers, "Session")?.split(";")[0]?.trim()
  if (!sessionId) throw new Error("SETUP reply without a Session header")
  return sessionId
}


// --- the client ----------------------------------------------------------------------------

/** DESCRIBE, then the URL to SETUP the MJPEG track with, as a player resolves it from the SDP. */
export const describeTrack = async (control: RtspControl, url: string): Promise<string> => {
  const described = await control.request("DESCRIBE", url, [["Accept", "application/sdp"]])
  if (described.response.statusCode !== 200) throw new Error(`DESCRIBE answered ${described.response.statusCode}`)
  const sdp = parseSdp(described.response.body.toString("utf8"))
  if (sdp._tag === "Left") throw new Error(`DESCRIBE: unreadable SDP (${sdp.left.message})`)
  const track = findMjpegMedia(sdp.right)
  if (track === undefined) throw new Error("DESCRIBE: the SDP has no MJPEG track")
  const base = getHeader(described.response.headers, "Content-Base") ?? url
  return resolveControlUrl(resolveControlUrl(base, sdp.right.control), track.control)
}

/** Sets up and plays every session (failures are recorded on the session, not thrown). */
export const startLoad = async (options: LoadClientOptions): Promise<LoadClient> => {
  const window: Window = { active: false, intervals: [] }
  const url = `rtsp://${options.host}:${options.port}/${options.mediaPath}`
  const rtcp = await bindUdp(options.host, undefined)
  const rtcpPort = rtcp.address().port
  let rtcpDatagrams = 0
  rtcp.on("message", () => {
    rtcpDatagrams++
  })
  const sessions: Array<LoadSession> = []
  let plainReason = options.batchedReceive ? undefined : "turned off (BENCH_CLIENT_RECEIVE=plain)"
  let gro = true
  for (let index = 0; index < options.sessions; index++) {
    const stats = emptyStats()
    const rtp = await bindUdp(options.host, options.recvBufferBytes)
    const handler = onRtp(stats, window)
    const batched = plainReason === undefined
      ? receiveBatched(rtp, (data, offset, length, segment, arrivalMs) => forEachDatagram(offset, length, segment, (start, size) => handler(data, start, size, arrivalMs)))
      : plainReason
    if (typeof batched === "string") {
      plainReason = batched
      rtp.on("message", (msg: Buffer) => handler(msg, 0, msg.length, performance.now()))
    } else {
      gro &&= batched.gro
    }
    const stopReceive = typeof batched === "string" ? () => undefined : batched.stop
    sessions.push({ index, stats, rtp, stopReceive, control: undefined, sessionId: undefined, playSentAt: Number.NaN, playReplyAt: Number.NaN, error: undefined })
  }
  const recvBufferBytes = sessions[0]?.rtp.getRecvBufferSize() ?? 0
  const receivePath = plainReason === undefined ? `batched (recvmmsg${gro ? ", GRO" : ", no GRO"})` : `plain node:dgram: ${plainReason}`

  await setUpEach(sessions, options, async (session, control) => {
    const rtpPort = session.rtp.address().port
    const trackUrl = await describeTrack(control, url)
    const sessionId = setupSessionId(await control.request("SETUP", trackUrl, [["Transport", `RTP/AVP;unicast;client_port=${rtpPort}-${rtcpPort}`]]))
    session.sessionId = sessionId
    session.playSentAt = performance.now()
    const play = await control.request("PLAY", url, [["Session", sessionId]])
    if (play.response.statusCode !== 200) throw new Error(`PLAY answered ${play.response.statusCode}`)
    session.playReplyAt = play.at
  })

  const isUp = (s: LoadSession) => s.error === undefined && Number.isFinite(s.playReplyAt) && s.stats.packets > 0

  let windowStartedAt = Number.NaN
  return {
    sessions,
    sessionsUp: () => sessions.filter(isUp).length,
    rtcpDatagrams: () => rtcpDatagrams,
    recvBufferBytes,
    receivePath,
    startWindow: () => {
      for (const { stats } of sessions) {
        stats.windowExpected0 = expectedPackets(stats)
        stats.windowPackets0 = stats.packets
        stats.windowFrames = 0
        stats.windowFirstFrameAt = Number.NaN
        stats.windowLastFrameAt = Number.NaN
      }
      window.intervals.length = 0
      window.active = true
      windowStartedAt = performance.now()
    },
    endWindow: () => {
      window.active = false
      const seconds = (performance.now() - windowStartedAt) / 1000
      const up = sessions.filter(isUp).map(({ stats }): SessionWindow => ({
        frames: stats.windowFrames,
        spanMs: stats.windowFrames >= 2 ? stats.windowLastFrameAt - stats.windowFirstFrameAt : Number.NaN,
        packets: stats.packets - stats.windowPackets0,
        expected: expectedPackets(stats) - stats.windowExpected0,
        jitterMs: stats.jitter / RTP_UNITS_PER_MS
      }))
      return { seconds, sessions: up, frameIntervalsMs: [...window.intervals] }
    },
    teardown: async () => {
      const { ok, failed } = await tearDownEach(sessions, url, options.teardownTimeoutMs, (session) => {
        session.stopReceive()
        session.rtp.close()
      })
      rtcp.close()
      return { ok, failed }
    }
  }
}
