/**
 * A TCP connection to a server, bounded by a timeout, as both of the harness's RTSP clients open
 * it (RtspClient, and the classic grader's lab connection). The timeout is a node timer inside one
 * Effect.async, not Effect.timeout: a race forks two fibers per wait, and a load run of 1,000
 * clients makes thousands of these waits a second. For rtsps:// the connection is TLS, ready
 * once the handshake and the certificate's verification are done.
 */
import { Effect } from "effect"
import * as net from "node:net"
import * as tls from "node:tls"

export type ConnectFailure = "Timeout" | "Connect"

/** RTSPS: the connection is TLS; `insecure` skips verifying the server's certificate (self-signed test servers). */
export interface TlsConnect {
  readonly insecure: boolean
}

/** A failed TLS connection in one line: OpenSSL's verification problem by name, and the way around it. */
const connectProblem = (host: string, port: number, error: Error & { readonly code?: string }, secure: boolean): string => {
  const code = error.code ?? ""
  const verification = secure && (/CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS_CERT_ALTNAME/.test(code))
  return verification
    ? `cannot connect to ${host}:${port}: the server's TLS certificate does not verify: ${error.message} (${code}); --insecure skips verification`
    : `cannot connect to ${host}:${port}${secure ? " over TLS" : ""}: ${error.message}`
}

export const openTcpSocket = <E>(
  host: string,
  port: number,
  timeoutMs: number,
  failure: (reason: ConnectFailure, message: string) => E,
  secure?: TlsConnect
): Effect.Effect<net.Socket, E> =>
  Effect.async<net.Socket, E>((resume) => {
    // A TLS socket is ready once its handshake (and verification) is done, a plain one once connected.
    const socket = secure === undefined
      ? net.createConnection({ host, port })
      : tls.connect({ host, port, rejectUnauthorized: !secure.insecure, ...(net.isIP(host) === 0 ? { servername: host } : {}) })
    const timer = setTimeout(() => {
      socket.destroy()
      resume(Effect.fail(failure("Timeout", `connecting to ${host}:${port} took over ${timeoutMs} ms`)))
    }, timeoutMs)
    const onError = (error: Error): void => {
      clearTimeout(timer)
      socket.destroy()
      resume(Effect.fail(failure("Connect", connectProblem(host, port, error, secure !== undefined))))
    }
    socket.once("error", onError)
    socket.once(secure === undefined ? "connect" : "secureConnect", () => {
      clearTimeout(timer)
      socket.off("error", onError)
      resume(Effect.succeed(socket))
    })
    return Effect.sync(() => {
      clearTimeout(timer)
      socket.destroy()
    })
  })

/**
 * Closes a connection we are done with. A TLS socket is ended, not destroyed: destroyed in the
 * turn its handshake finished, the server never sees that handshake complete and counts it as
 * failed. A close the peer does not take within a second is cut.
 */
export const closeSocket = (socket: net.Socket): void => {
  if (!(socket instanceof tls.TLSSocket) || socket.destroyed) {
    socket.destroy()
    return
  }
  socket.destroySoon()
  setTimeout(() => socket.destroy(), 1000).unref()
}
