/**
 * A raw-bytes RTSP client for server conformance tests, built on the project's parser: it sends
 * raw bytes or minimal requests (only CSeq plus the headers given, in order), and collects
 * responses, the raw byte stream and interleaved frames as they arrived. Every wait is bounded.
 *
 * Use it only when the test is about bytes on the wire: exact request bytes (malformed requests,
 * the classic dialect's bare-LF form), the raw reply layout, CSeq numbering, `$` frames as received
 * (test/server/standardDialect, classicDialect, badInput). Anything else talks to the server
 * with the harness client (harness/client/RtspClient.ts `connect`), as embedding.test.ts and
 * shutdown.test.ts do. `udpReceiver` is a plain UDP sink any test may use.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram"
import { connect, type Socket } from "node:net"
import { getHeader, type InterleavedFrame, type RtspResponse } from "../../src/protocol/rtsp/message.js"
import { makeRtspParser } from "../../src/protocol/rtsp/parser.js"
import { waitUntilAsync } from "./polling.js"

export interface TestRtspClient {
  readonly socket: Socket
  readonly send: (bytes: string | Buffer) => void
  /** Sends a standard request (CRLF, CSeq added) and waits for its response. */
  readonly request: (method: string, uri: string, headers?: Record<string, string>) => Promise<RtspResponse>
  readonly nextResponse: (timeoutMs?: number) => Promise<RtspResponse>
  /** Raw bytes received so far (for the classic reply layout). */
  readonly raw: () => Buffer
  readonly interleaved: Array<InterleavedFrame>
  readonly closed: () => boolean
  readonly waitClosed: (timeoutMs?: number) => Promise<boolean>
  readonly close: () => void
}

/** `localAddress` (127.0.0.2, …) makes the connection come from another loopback address, as another client would. */
export const connectClient = (port: number, localAddress?: string): Promise<TestRtspClient> =>
  new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1", ...(localAddress === undefined ? {} : { localAddress }) })
    const parser = makeRtspParser()
    const responses: Array<RtspResponse> = []
    const waiters: Array<(r: RtspResponse) => void> = []
    const interleaved: Array<InterleavedFrame> = []
    const chunks: Array<Buffer> = []
    let cseq = 0
    let isClosed = false
    const closeWaiters: Array<() => void> = []
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk)
      for (const item of [...parser.push(chunk), ...parser.flushIdle()]) {
        if (item._tag === "Response") {
          const waiter = waiters.shift()
          if (waiter) waiter(item)
          else responses.push(item)
        } else if (item._tag === "Interleaved") {
          interleaved.push(item)
        }
      }
    })
    socket.on("close", () => {
      isClosed = true
      closeWaiters.splice(0).forEach((w) => w())
    })
    socket.on("error", () => undefined)
    const nextResponse = (timeoutMs = 5000): Promise<RtspResponse> =>
      new Promise((res, rej) => {
        const ready = responses.shift()
        if (ready) return res(ready)
        const timer = setTimeout(() => rej(new Error(`no RTSP response within ${timeoutMs} ms`)), timeoutMs)
        waiters.push((r) => {
          clearTimeout(timer)
          res(r)
        })
      })
    socket.once("connect", () =>
      resolve({
        socket,
        send: (bytes) => socket.write(bytes),
        request: (method, uri, headers = {}) => {
          cseq++
          const lines = [`${method} ${uri} RTSP/1.0`, `CSeq: ${cseq}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)]
          socket.write(lines.join("\r\n") + "\r\n\r\n")
          return nextResponse()
        },
        nextResponse,
        raw: () => Buffer.concat(chunks),
        interleaved,
        closed: () => isClosed,
        waitClosed: (timeoutMs = 5000) =>
          new Promise((res) => {
            if (isClosed) return res(true)
            const timer = setTimeout(() => res(false), timeoutMs)
            closeWaiters.push(() => {
              clearTimeout(timer)
              res(true)
            })
          }),
        close: () => socket.destroy()
      }))
    socket.once("error", reject)
  })

export interface UdpReceiver {
  readonly port: number
  readonly packets: Array<{ readonly data: Buffer; readonly at: number }>
  readonly socket: UdpSocket
  readonly waitFor: (count: number, timeoutMs: number) => Promise<number>
  readonly close: () => void
}

/** Binds a UDP socket on 127.0.0.1 (port 0, or an even/odd pair's first port when `pair`). */
export const udpReceiver = (port = 0): Promise<UdpReceiver> =>
  new Promise((resolve, reject) => {
    const socket = createSocket("udp4")
    const packets: Array<{ data: Buffer; at: number }> = []
    socket.on("message", (data) => packets.push({ data, at: performance.now() }))
    socket.once("error", reject)
    socket.bind(port, "127.0.0.1", () =>
      resolve({
        port: socket.address().port,
        packets,
        socket,
        waitFor: async (count, timeoutMs) => {
          await waitUntilAsync(() => packets.length >= count, timeoutMs, 10)
          return packets.length
        },
        close: () => socket.close()
      }))
  })

export const sessionIdOf = (response: RtspResponse): string => (getHeader(response.headers, "Session") ?? "").split(";")[0]!.trim()

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
