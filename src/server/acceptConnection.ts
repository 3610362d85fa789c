/**
 * The door of both listeners (plain RTSP and RTSPS): admit or refuse each new
 * connection, make room near --max-connections, and start the admitted ones
 * a few per event-loop turn.
 *
 * - Over --max-connections, or over its address's cap, a connection gets one
 *   503 with Retry-After and is closed; the refusals are counted by kind and
 *   logged at most once a second per kind.
 * - At 90 % of --max-connections, each new connection closes the longest-open
 *   one that never sent a byte (the classic client connects long before its
 *   SETUP, so silence alone does not end a connection: only a full house does).
 * - Starting a connection's fiber costs a little; a flood of thousands in one
 *   accept burst would hold the event loop for hundreds of milliseconds and
 *   delay every session's frames, so admitted sockets start in batches, the
 *   loop's timers running between them.
 */
import type { Socket } from "node:net"
import { Effect } from "effect"
import { unmapIpv4 } from "../net/address.js"
import { admitConnection, connectionClosed } from "./addressLimits.js"
import type { ServerContext } from "./context.js"
import { handleConnection } from "./connection.js"
import { ADDRESS_RETRY_AFTER_SECONDS } from "./refusals.js"

/** Connections started per event-loop turn. */
const START_BATCH = 16
/** The share of --max-connections past which silent connections make room for new ones. */
const EVICT_AT = 0.9

type Run = (effect: Effect.Effect<void>) => unknown

export const makeAcceptor = (ctx: ServerContext, run: Run): ((socket: Socket) => void) => {
  let open = 0
  const waiting: Array<{ readonly socket: Socket; readonly address: string }> = []
  const lastLog = new Map<string, number>()

  const logLimited = (kind: string, line: string, address: string): void => {
    ctx.metrics.guard("limitRefusals", kind)
    const now = ctx.clock.unsafeCurrentTimeMillis()
    if (now - (lastLog.get(kind) ?? Number.NEGATIVE_INFINITY) < 1000) return
    lastLog.set(kind, now)
    run(Effect.logWarning(line).pipe(Effect.annotateLogs({ peer: address })))
  }

  const evictSilent = (): void => {
    for (const conn of ctx.connections) {
      if (conn.bytesIn > 0 || conn.socket.destroyed) continue
      const silentSeconds = (ctx.clock.unsafeCurrentTimeMillis() - conn.openedAt) / 1000
      logLimited("idle-evicted", `closing the longest-open connection that sent nothing (${conn.peer}, ${silentSeconds.toFixed(0)} s): the server is near --max-connections (${ctx.config.maxConnections})`, conn.peer)
      conn.socket.destroy()
      return
    }
  }

  const startWaiting = (): void => {
    for (const { socket, address } of waiting.splice(0, START_BATCH)) {
      run(handleConnection(ctx, socket).pipe(Effect.ensuring(Effect.sync(() => {
        open--
        connectionClosed(ctx, address)
      }))))
    }
    if (waiting.length > 0) setImmediate(startWaiting)
  }

  return (socket) => {
    const address = unmapIpv4(socket.remoteAddress ?? "0.0.0.0")
    if (open >= Math.ceil(ctx.config.maxConnections * EVICT_AT)) evictSilent()
    const refused = admitConnection(ctx, address, open)
    if (refused !== undefined) {
      socket.on("error", () => undefined)
      socket.end(`RTSP/1.0 503 Service Unavailable\r\nServer: effect-rtsp\r\nRetry-After: ${ADDRESS_RETRY_AFTER_SECONDS}\r\n\r\n`)
      logLimited(
        refused,
        refused === "connections"
          ? `connection refused: the server holds its limit of ${ctx.config.maxConnections} connections`
          : `connection refused: ${address} holds its limit of ${ctx.config.maxConnectionsPerAddress} connections`,
        address
      )
      return
    }
    open++
    waiting.push({ socket, address })
    if (waiting.length === 1) setImmediate(startWaiting)
  }
}
