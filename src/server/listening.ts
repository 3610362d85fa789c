/**
 * Listening for both servers (RTSP and RTSPS): bound with the backlog below
 * for as long as the scope lives, closed with it.
 */
import type { Server } from "node:net"
import { Effect, type Scope } from "effect"
import { ServerStartError } from "./errors.js"

/**
 * Connections the kernel queues before accept. Node's default (511) is below a burst of players
 * connecting at once (a load test, viewers reconnecting after a network blip): a SYN beyond it
 * is dropped and costs its client a 1 s retransmission. The kernel caps it at net.core.somaxconn.
 */
export const LISTEN_BACKLOG = 4096

/** `server` listening on host:port until the scope closes; `what` names it in the error ("RTSPS on"). */
export const listenScoped = <S extends Server>(server: S, host: string, port: number, what: string): Effect.Effect<S, ServerStartError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<S, ServerStartError>((resume) => {
      const onError = (cause: Error) =>
        resume(Effect.fail(new ServerStartError({ reason: "Listen", message: `cannot listen ${what} ${host}:${port}: ${cause.message}`, cause })))
      server.once("error", onError)
      server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
        server.off("error", onError)
        resume(Effect.succeed(server))
      })
    }),
    (listening) => Effect.async<void>((resume) => {
      listening.close(() => resume(Effect.void))
    })
  )
