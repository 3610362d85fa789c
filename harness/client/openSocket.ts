/**
 * A TCP connection to a server, bounded by a timeout, as both of the harness's RTSP clients open
 * it (RtspClient, and the classic grader's lab connection). The timeout is a node timer inside one
 * Effect.async, not Effect.timeout: a race forks two fibers per wait, and a load run of 1,000
 * clients makes thousands of these waits a second.
 */
import { Effect } from "effect"
import * as net from "node:net"

export type ConnectFailure = "Timeout" | "Connect"

export const openTcpSocket = <E>(
  host: string,
  port: number,
  timeoutMs: number,
  failure: (reason: ConnectFailure, message: string) => E
): Effect.Effect<net.Socket, E> =>
  Effect.async<net.Socket, E>((resume) => {
    const socket = net.createConnection({ host, port })
    const timer = setTimeout(() => {
      socket.destroy()
      resume(Effect.fail(failure("Timeout", `connecting to ${host}:${port} took over ${timeoutMs} ms`)))
    }, timeoutMs)
    const onError = (error: Error): void => {
      clearTimeout(timer)
      socket.destroy()
      resume(Effect.fail(failure("Connect", `cannot connect to ${host}:${port}: ${error.message}`)))
    }
    socket.once("error", onError)
    socket.once("connect", () => {
      clearTimeout(timer)
      socket.off("error", onError)
      resume(Effect.succeed(socket))
    })
    return Effect.sync(() => {
      clearTimeout(timer)
      socket.destroy()
    })
  })
