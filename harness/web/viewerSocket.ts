/**
 * A tab's WebSocket: the page session's frames as binary messages and its status as JSON text
 * (every STATUS_EVERY_MS, and at once on a change). The page answers each frame it has shown
 * with "ack"; at most MAX_UNACKED frames are in flight, so a slow tab gets fewer, newer frames
 * instead of a growing send buffer.
 */
import * as Socket from "@effect/platform/Socket"
import { Deferred, Duration, Effect, type Scope } from "effect"
import type { PageSession } from "./PageSession.js"

const MAX_UNACKED = 2
const STATUS_EVERY_MS = 250
/** How long shutdown waits for the tabs to answer the close. */
const CLOSE_WAIT_MS = 2000

export interface ErrorMessage {
  readonly type: "error"
  readonly message: string
}

const isAck = (data: string | Uint8Array): boolean => (typeof data === "string" ? data : Buffer.from(data).toString()) === "ack"

/**
 * The open WebSockets, so shutdown can close them first: the HTTP server's WebSocket server
 * (ws, noServer) waits for every connection to end before it reports closed, and it is finalized
 * before the request handlers are interrupted, so an open tab would otherwise hold shutdown.
 */
export interface ViewerHub {
  /** Serves one viewer until its socket closes (or shutdown closes it). */
  readonly serve: (socket: Socket.Socket, session: PageSession) => Effect.Effect<void, never, Scope.Scope>
  /** Tells the page why it gets no session, then closes (1013: try again later). */
  readonly refuse: (socket: Socket.Socket, message: string) => Effect.Effect<void, never, Scope.Scope>
  /** Closes every viewer's socket (1001) and waits, bounded, for the tabs to answer. */
  readonly closeAll: Effect.Effect<void>
}

export const makeViewerHub: Effect.Effect<ViewerHub> = Effect.gen(function* () {
  const shutdown = yield* Deferred.make<void>()
  let open = 0

  const tracked = (socket: Socket.Socket, body: Effect.Effect<void, never, Scope.Scope>) =>
    Effect.gen(function* () {
      const write = yield* socket.writer
      const closeOnShutdown = Deferred.await(shutdown).pipe(
        Effect.zipRight(write(new Socket.CloseEvent(1001, "the web player is shutting down")).pipe(Effect.ignore)),
        Effect.zipRight(Effect.never)
      )
      yield* Effect.acquireUseRelease(
        Effect.sync(() => (open += 1)),
        () => Effect.raceFirst(body, closeOnShutdown),
        () => Effect.sync(() => (open -= 1))
      )
    })

  const closeAll = Effect.gen(function* () {
    yield* Deferred.succeed(shutdown, undefined)
    const deadline = performance.now() + CLOSE_WAIT_MS
    while (open > 0 && performance.now() < deadline) yield* Effect.sleep(Duration.millis(20))
  })

  return {
    serve: (socket, session) => tracked(socket, serveViewer(socket, session)),
    refuse: (socket, message) => tracked(socket, refuseViewer(socket, message)),
    closeAll
  } satisfies ViewerHub
})

/** Serves one viewer until its socket closes. */
const serveViewer = (socket: Socket.Socket, session: PageSession): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const write = yield* socket.writer
    const viewer = yield* session.attachViewer
    const credits = yield* Effect.makeSemaphore(MAX_UNACKED)
    let unacked = 0

    const frames = Effect.forever(
      credits.take(1).pipe(
        Effect.zipRight(viewer.nextFrame),
        Effect.tap(() => Effect.sync(() => (unacked += 1))),
        Effect.flatMap(write)
      )
    )
    const statuses = Effect.forever(
      Effect.suspend(() => write(JSON.stringify(session.status()))).pipe(
        Effect.zipRight(viewer.changed.pipe(Effect.timeout(Duration.millis(STATUS_EVERY_MS)), Effect.ignore))
      )
    )
    yield* Effect.forkScoped(Effect.ignore(frames))
    yield* Effect.forkScoped(Effect.ignore(statuses))
    yield* socket.runRaw((data) => {
      if (!isAck(data) || unacked === 0) return
      unacked -= 1
      return credits.release(1)
    }).pipe(Effect.ignore)
  })

const refuseViewer = (socket: Socket.Socket, message: string): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const write = yield* socket.writer
    const error: ErrorMessage = { type: "error", message }
    yield* socket.runRaw(() => undefined, {
      onOpen: write(JSON.stringify(error)).pipe(Effect.zipRight(write(new Socket.CloseEvent(1013, "too many sessions"))), Effect.ignore)
    }).pipe(Effect.ignore)
  })
