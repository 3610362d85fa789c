/**
 * One hand-written request on its own TCP connection, for what the RtspClient cannot express (no
 * CSeq, an RTSP/2.0 start line). The reply is read with the project's parser; the socket is
 * destroyed when the effect ends, and every wait is bounded by `timeoutMs`.
 */
import { Data, Duration, Effect } from "effect"
import * as net from "node:net"
import * as tls from "node:tls"
import type { RtspResponse } from "../../src/protocol/rtsp/message.js"
import { makeRtspParser } from "../../src/protocol/rtsp/parser.js"

export class RawRequestError extends Data.TaggedError("RawRequestError")<{
  readonly reason: "Connect" | "Timeout" | "Closed" | "Protocol"
  readonly message: string
}> {}

/** `secure`: the connection is TLS (rtsps://); `insecure` skips verifying the certificate. */
export const rawRequest = (
  host: string,
  port: number,
  bytes: Uint8Array,
  timeoutMs: number,
  secure?: { readonly insecure: boolean }
): Effect.Effect<RtspResponse, RawRequestError> =>
  Effect.async<RtspResponse, RawRequestError>((resume) => {
    const socket = secure === undefined ? net.createConnection({ host, port }) : tls.connect({ host, port, rejectUnauthorized: !secure.insecure })
    const parser = makeRtspParser()
    let connected = false
    let done = false
    const finish = (effect: Effect.Effect<RtspResponse, RawRequestError>): void => {
      if (done) return
      done = true
      socket.destroy()
      resume(effect)
    }
    socket.once(secure === undefined ? "connect" : "secureConnect", () => {
      connected = true
      socket.write(bytes)
    })
    socket.on("data", (chunk: Buffer) => {
      for (const item of parser.push(chunk)) {
        if (item._tag === "Response") return finish(Effect.succeed(item))
        if (item._tag === "RtspParseError") {
          return finish(Effect.fail(new RawRequestError({ reason: "Protocol", message: `unparseable reply: ${item.message}` })))
        }
      }
    })
    socket.on("error", (error) =>
      finish(Effect.fail(new RawRequestError({ reason: connected ? "Closed" : "Connect", message: `${connected ? "connection error" : `cannot connect to ${host}:${port}`}: ${error.message}` }))))
    socket.on("close", () => finish(Effect.fail(new RawRequestError({ reason: "Closed", message: "the server closed the connection without a reply" }))))
    return Effect.sync(() => {
      done = true
      socket.destroy()
    })
  }).pipe(
    Effect.timeoutFail({
      duration: Duration.millis(timeoutMs),
      onTimeout: () => new RawRequestError({ reason: "Timeout", message: `no reply in ${timeoutMs} ms` })
    })
  )
