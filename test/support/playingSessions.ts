/**
 * Lean playing sessions for load tests in one process: DESCRIBE (with the URL's query),
 * SETUP (UDP or TCP interleaved), PLAY, then RTP counted as it arrives. A session asked to keep
 * its packets records each one's sequence number, timestamp, marker and arrival time (for the
 * session under study); the others only count (a load of hundreds costs no memory per packet).
 * Every wait is bounded.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram"
import { connect, type Socket } from "node:net"
import { getHeader, type RtspResponse } from "../../src/protocol/rtsp/message.js"
import { makeRtspParser } from "../../src/protocol/rtsp/parser.js"
import { rtpMarkerAt, rtpSequenceNumberAt, rtpTimestampAt } from "../../src/protocol/rtp.js"

export interface PacketSeen {
  readonly seq: number
  readonly timestamp: number
  readonly marker: boolean
  /** performance.now() when it arrived. */
  readonly at: number
}

export interface PlayingSession {
  readonly id: string
  readonly transport: "udp" | "tcp"
  /** RTP packets received so far, copies included. */
  readonly received: () => number
  /** Frames completed so far (packets with the marker bit). */
  readonly markers: () => number
  /** Every RTP packet, in arrival order, when the session keeps them; empty otherwise. */
  readonly packets: ReadonlyArray<PacketSeen>
  /** GET_PARAMETER with `parameter` in its body: the reply. */
  readonly getParameter: (parameter: string) => Promise<RtspResponse>
  /** TEARDOWN and wait for its reply (bounded), then close everything. */
  readonly teardown: () => Promise<void>
  /** Closes the connection and sockets without a TEARDOWN. */
  readonly close: () => void
}

export interface PlayOptions {
  readonly transport: "udp" | "tcp"
  /** The URL's query without `?` (an impairment), or none. */
  readonly query?: string
  readonly keepPackets?: boolean
  readonly timeoutMs?: number
}

const bindUdp = (): Promise<UdpSocket> =>
  new Promise((resolve, reject) => {
    const socket = createSocket("udp4")
    socket.once("error", reject)
    socket.bind(0, "127.0.0.1", () => resolve(socket))
  })

/** Plays `path` of the server on `port` (127.0.0.1); resolves once PLAY is answered 200. */
export const playSession = async (port: number, path: string, options: PlayOptions): Promise<PlayingSession> => {
  const timeoutMs = options.timeoutMs ?? 10_000
  const base = `rtsp://127.0.0.1:${port}/${path}`
  const packets: Array<PacketSeen> = []
  let received = 0
  let markers = 0
  const onRtp = (bytes: Buffer): void => {
    received++
    const marker = bytes.length >= 12 && rtpMarkerAt(bytes, 0)
    if (marker) markers++
    if (options.keepPackets === true && bytes.length >= 12) {
      packets.push({ seq: rtpSequenceNumberAt(bytes, 0), timestamp: rtpTimestampAt(bytes, 0), marker, at: performance.now() })
    }
  }

  const udp = options.transport === "udp" ? [await bindUdp(), await bindUdp()] as const : undefined
  udp?.[0].on("message", onRtp)
  udp?.[1].on("message", () => undefined)

  const socket: Socket = await new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1")
    s.once("connect", () => resolve(s))
    s.once("error", reject)
  })
  socket.on("error", () => undefined)
  const parser = makeRtspParser()
  const waiters: Array<(r: RtspResponse) => void> = []
  socket.on("data", (chunk: Buffer) => {
    for (const item of parser.push(chunk)) {
      if (item._tag === "Response") waiters.shift()?.(item)
      else if (item._tag === "Interleaved" && item.channel === 0) onRtp(item.payload)
    }
  })
  let cseq = 0
  const request = (method: string, uri: string, headers: ReadonlyArray<readonly [string, string]>, body = ""): Promise<RtspResponse> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method} ${uri}: no reply within ${timeoutMs} ms`)), timeoutMs)
      waiters.push((response) => {
        clearTimeout(timer)
        resolve(response)
      })
      const lines = [`${method} ${uri} RTSP/1.0`, `CSeq: ${++cseq}`, ...headers.map(([k, v]) => `${k}: ${v}`)]
      if (body.length > 0) lines.push(`Content-Length: ${Buffer.byteLength(body)}`)
      socket.write(lines.join("\r\n") + "\r\n\r\n" + body)
    })
  const expectOk = (what: string, response: RtspResponse): RtspResponse => {
    if (response.statusCode !== 200) throw new Error(`${what}: ${response.statusCode} ${response.reason} ${response.body.toString()}`)
    return response
  }

  const close = (): void => {
    socket.destroy()
    udp?.forEach((s) => s.close())
  }
  try {
    expectOk("DESCRIBE", await request("DESCRIBE", options.query === undefined ? base : `${base}?${options.query}`, [["Accept", "application/sdp"]]))
    // As players build it from Content-Base and the track's control: without the query.
    const transport = udp === undefined
      ? "RTP/AVP/TCP;unicast;interleaved=0-1"
      : `RTP/AVP;unicast;client_port=${udp[0].address().port}-${udp[1].address().port}`
    const setup = expectOk("SETUP", await request("SETUP", `${base}/streamid=0`, [["Transport", transport]]))
    const id = (getHeader(setup.headers, "Session") ?? "").split(";")[0]!.trim()
    expectOk("PLAY", await request("PLAY", base, [["Session", id], ["Range", "npt=0-"]]))
    return {
      id,
      transport: options.transport,
      received: () => received,
      markers: () => markers,
      packets,
      getParameter: (parameter) =>
        request("GET_PARAMETER", base, [["Session", id], ["Content-Type", "text/parameters"]], `${parameter}\r\n`),
      teardown: async () => {
        try {
          await request("TEARDOWN", base, [["Session", id]])
        } finally {
          close()
        }
      },
      close
    }
  } catch (error) {
    close()
    throw error
  }
}

/** Runs `make` for 0..count-1, at most `parallel` at a time, in order of index. */
export const inBatches = async <A>(count: number, parallel: number, make: (index: number) => Promise<A>): Promise<Array<A>> => {
  const out: Array<A> = []
  for (let start = 0; start < count; start += parallel) {
    const batch = await Promise.all(Array.from({ length: Math.min(parallel, count - start) }, (_, i) => make(start + i)))
    out.push(...batch)
  }
  return out
}
