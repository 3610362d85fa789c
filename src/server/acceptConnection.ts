/**
 * The door of both listeners (plain RTSP and RTSPS): admit or refuse each new
 * connection, make room near --max-connections, and start the admitted ones.
 *
 * - Over --max-connections, or over its address's cap, a connection gets one
 *   503 with Retry-After and is closed; the refusals are counted by kind and
 *   logged at most once a second per kind and address.
 * - At 90 % of --max-connections, each new connection closes the longest-open
 *   one that never sent a byte (the classic client connects long before its
 *   SETUP, so silence alone does not end a connection: only a full house does).
 * - A refused socket's incoming bytes are read and dropped, and it is destroyed
 *   if it has not closed 2 s later: unread, they would hold it half-open (and
 *   its descriptor) forever.
 * - Admitted connections start on the connection scheduler, which runs their
 *   work in short slices between the frame timers (connectionScheduler.ts), so
 *   a burst of thousands costs the playing sessions nothing.
 */
import type { Socket } from "node:net"
import { Effect } from "effect"
import { unmapIpv4 } from "../net/address.js"
import { admitConnection, connectionClosed } from "./addressLimits.js"
import type { ServerContext } from "./context.js"
import { handleConnection } from "./connection.js"
import { ADDRESS_RETRY_AFTER_SECONDS } from "./refusals.js"

/** How long a refused socket may take to read its 503 and close before it is destroyed. */
const REFUSED_LINGER_MS = 2000
/** (kind, address) pairs whose last log line is remembered. */
const MAX_LOGGED_KEYS = 10_000
/** The share of --max-connections past which silent connections make room for new ones. */
const EVICT_AT = 0.9

type Run = (effect: Effect.Effect<void>) => unknown

export const makeAcceptor = (ctx: ServerContext, run: Run): ((socket: Socket) => void) => {
  let open = 0
  const lastLog = new Map<string, number>()

  const logLimited = (kind: string, line: string, address: string): void => {
    ctx.metrics.guard("limitRefusals", kind)
    const now = ctx.clock.unsafeCurrentTimeMillis()
    const key = `${kind} ${address}`
    if (now - (lastLog.get(key) ?? Number.NEGATIVE_INFINITY) < 1000) return
    // A flood from many addresses must not grow this without bound: past it, start again.
    if (lastLog.size >= MAX_LOGGED_KEYS) lastLog.clear()
    lastLog.set(key, now)
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

  return (socket) => {
    const address = unmapIpv4(socket.remoteAddress ?? "0.0.0.0")
    if (open >= Math.ceil(ctx.config.maxConnections * EVICT_AT)) evictSilent()
    const refused = admitConnection(ctx, address, open)
    // Until its connection's fiber listens, an error (ECONNRESET) on the socket would crash the process.
    socket.on("error", () => undefined)
    if (refused !== undefined) {
      socket.end(`RTSP/1.0 503 Service Unavailable\r\nServer: effect-rtsp\r\nRetry-After: ${ADDRESS_RETRY_AFTER_SECONDS}\r\n\r\n`)
      socket.resume()
      // A plain timer: it outlives every scope by design, and unref'd it holds nothing up.
      setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref()
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
    run(handleConnection(ctx, socket).pipe(Effect.ensuring(Effect.sync(() => {
      open--
      connectionClosed(ctx, address)
    }))))
  }
}
