/**
 * The grader's RTSP connection, used as the lab client uses it: one request per TCP write, and
 * the reply kept as raw bytes, not parsed, because its layout is what is graded. A reply is what
 * arrives after a request until the line has been idle REPLY_IDLE_MS (lab servers send no final
 * blank line); how many reads it took, and bytes that come while no request is pending, are kept
 * for the layout check. The socket lives in the Scope; every wait is bounded.
 */
import { Data, Effect, type Scope } from "effect"
import * as net from "node:net"
import { unmapIpv4 } from "../../../src/net/address.js"
import { openTcpSocket } from "../../client/openSocket.js"

export class LabConnectionError extends Data.TaggedError("LabConnectionError")<{
  readonly reason: "Connect" | "Timeout" | "Closed"
  readonly message: string
}> {}

export interface RawReply {
  /** The bytes as latin1 text (the layout is ASCII; nothing is lost). */
  readonly text: string
  readonly bytes: number
  /** Socket reads the reply came in: the lab client reads one with a single recv(1024). */
  readonly pieces: number
  /** performance.now() ms when the request was written, and when the reply's first byte came. */
  readonly sentAtMs: number
  readonly answeredAtMs: number
}

export interface LabConnection {
  /** This end's address: the one the server sends RTP to (the TCP peer's IP). */
  readonly localAddress: string
  /** Writes `request` in one write and waits for the reply. One at a time. */
  readonly exchange: (request: Buffer) => Effect.Effect<RawReply, LabConnectionError>
  /** Bytes that arrived while no request was pending since the last call, and resets the count. */
  readonly takeStrayBytes: () => number
  /** When the server closed (or reset) the connection, if it did. */
  readonly closedByServerAt: () => number | undefined
}

/** A reply is complete after this long without more bytes (the client's own idle framing is 30 ms). */
export const REPLY_IDLE_MS = 50
/** Past this a reply is cut off: no real reply is this long, and the grader must not buffer a flood. */
const MAX_REPLY_BYTES = 64 * 1024

interface Pending {
  readonly sentAtMs: number
  readonly chunks: Array<Buffer>
  answeredAtMs: number | undefined
  readonly settle: (result: Effect.Effect<RawReply, LabConnectionError>) => void
  idle: NodeJS.Timeout | undefined
}

const openSocket = (host: string, port: number, timeoutMs: number): Effect.Effect<net.Socket, LabConnectionError> =>
  openTcpSocket(host, port, timeoutMs, (reason, message) => new LabConnectionError({ reason, message }))

export const connectLab = (host: string, port: number, timeoutMs: number): Effect.Effect<LabConnection, LabConnectionError, Scope.Scope> =>
  Effect.gen(function* () {
    const socket = yield* Effect.acquireRelease(openSocket(host, port, timeoutMs), (s) => Effect.sync(() => s.destroy()))
    let pending: Pending | undefined
    let stray = 0
    let closedAt: number | undefined

    const complete = (p: Pending): void => {
      const bytes = Buffer.concat(p.chunks)
      p.settle(Effect.succeed({
        text: bytes.toString("latin1"),
        bytes: bytes.length,
        pieces: p.chunks.length,
        sentAtMs: p.sentAtMs,
        answeredAtMs: p.answeredAtMs ?? p.sentAtMs
      }))
    }
    const onData = (chunk: Buffer): void => {
      const p = pending
      if (p === undefined) {
        stray += chunk.length
        return
      }
      p.answeredAtMs ??= performance.now()
      p.chunks.push(chunk)
      clearTimeout(p.idle)
      if (p.chunks.reduce((n, c) => n + c.length, 0) >= MAX_REPLY_BYTES) complete(p)
      else p.idle = setTimeout(() => complete(p), REPLY_IDLE_MS)
    }
    const onClosed = (): void => {
      closedAt ??= performance.now()
      const p = pending
      if (p === undefined) return
      clearTimeout(p.idle)
      // What came before the close is the reply; with nothing, there is none.
      if (p.chunks.length > 0) complete(p)
      else p.settle(Effect.fail(new LabConnectionError({ reason: "Closed", message: "the server closed the connection without a reply" })))
    }
    socket.on("data", onData)
    socket.on("close", onClosed)
    // Errors (ECONNRESET) are followed by "close"; a listener keeps them from crashing the process.
    socket.on("error", () => undefined)
    yield* Effect.addFinalizer(() => Effect.sync(() => {
      socket.off("data", onData)
      socket.off("close", onClosed)
      if (pending !== undefined) clearTimeout(pending.idle)
    }))

    const exchange = (request: Buffer): Effect.Effect<RawReply, LabConnectionError> =>
      Effect.async<RawReply, LabConnectionError>((resume) => {
        if (closedAt !== undefined) {
          return resume(Effect.fail(new LabConnectionError({ reason: "Closed", message: "the server had closed the connection" })))
        }
        let timer: NodeJS.Timeout | undefined
        const p: Pending = {
          sentAtMs: performance.now(),
          chunks: [],
          answeredAtMs: undefined,
          idle: undefined,
          settle: (result) => {
            if (pending !== p) return
            pending = undefined
            clearTimeout(timer)
            clearTimeout(p.idle)
            resume(result)
          }
        }
        // No first byte in time: no reply. Bytes still trickling in at the deadline: take what came.
        timer = setTimeout(() => {
          if (p.chunks.length > 0) complete(p)
          else p.settle(Effect.fail(new LabConnectionError({ reason: "Timeout", message: `no reply in ${timeoutMs} ms` })))
        }, timeoutMs)
        pending = p
        socket.write(request)
        return Effect.sync(() => {
          clearTimeout(timer)
          clearTimeout(p.idle)
          if (pending === p) pending = undefined
        })
      })

    return {
      localAddress: unmapIpv4(socket.localAddress ?? "127.0.0.1"),
      exchange,
      takeStrayBytes: () => {
        const n = stray
        stray = 0
        return n
      },
      closedByServerAt: () => closedAt
    } satisfies LabConnection
  })
