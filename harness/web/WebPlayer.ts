/**
 * `rtsp-harness web`'s server: the page, its actions and its WebSockets over @effect/platform's
 * HTTP server, the page sessions in a registry. Everything lives in the layer's Scope: closing it
 * (SIGINT) tears every RTSP session down and closes the port.
 */
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Context, Data, Effect, ExecutionStrategy, Layer, Scope } from "effect"
import { createServer } from "node:http"
import { renderPage } from "./page.js"
import { makePageRegistry } from "./registry.js"
import { webRoutes } from "./routes.js"
import { makeViewerHub } from "./viewerSocket.js"
import { messageOf } from "../../src/common/errorText.js"

export interface WebPlayerOptions {
  readonly host: string
  /** 0 picks a free port (tests). */
  readonly port: number
  /** What the page's URL field starts with. */
  readonly defaultUrl: string
  /** Page sessions at most (default 16). */
  readonly maxSessions?: number
  /** A page session without a viewer (its tab closed) is torn down after this long (default 3000 ms). */
  readonly idleGraceMs?: number
  /** Per RTSP request (default 5000 ms). */
  readonly rtspTimeoutMs?: number
  /** UDP silent after PLAY for this long switches to TCP (the client's default when absent). */
  readonly udpFallbackMs?: number
}

export interface WebPlayerInfo {
  readonly host: string
  readonly port: number
  /** The page's address, e.g. http://127.0.0.1:8080/ */
  readonly url: string
  readonly pageSessions: () => number
}

export class WebPlayer extends Context.Tag("rtsp-harness/WebPlayer")<WebPlayer, WebPlayerInfo>() {}

export class WebPlayerError extends Data.TaggedError("WebPlayerError")<{
  readonly reason: "Listen"
  readonly message: string
  readonly cause?: unknown
}> {}

const DEFAULT_MAX_SESSIONS = 16


export const make = (options: WebPlayerOptions): Effect.Effect<WebPlayerInfo, WebPlayerError, Scope.Scope> =>
  Effect.gen(function* () {
    const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS
    const registry = yield* makePageRegistry({
      maxSessions,
      ...(options.idleGraceMs === undefined ? {} : { idleGraceMs: options.idleGraceMs }),
      session: {
        ...(options.rtspTimeoutMs === undefined ? {} : { timeoutMs: options.rtspTimeoutMs }),
        ...(options.udpFallbackMs === undefined ? {} : { udpFallbackMs: options.udpFallbackMs })
      }
    })
    const viewers = yield* makeViewerHub
    // The HTTP server in a child scope, so the open WebSockets are closed before it (see ViewerHub).
    const httpScope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    const server = yield* NodeHttpServer.make(() => createServer(), { host: options.host, port: options.port }).pipe(
      Effect.mapError((cause) =>
        new WebPlayerError({ reason: "Listen", message: `cannot listen for HTTP on ${options.host}:${options.port}: ${messageOf(cause.cause)}`, cause })
      ),
      Scope.extend(httpScope)
    )
    yield* server.serve(webRoutes(registry, viewers, maxSessions, renderPage({ defaultUrl: options.defaultUrl }))).pipe(Scope.extend(httpScope))
    yield* Effect.addFinalizer(() => viewers.closeAll)
    const port = server.address._tag === "TcpAddress" ? server.address.port : options.port
    const shownHost = options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host
    const urlHost = shownHost.includes(":") ? `[${shownHost}]` : shownHost
    yield* Effect.logDebug(`web player on ${HttpServer.formatAddress(server.address)}`)
    return { host: options.host, port, url: `http://${urlHost}:${port}/`, pageSessions: registry.size } satisfies WebPlayerInfo
  })

export const layer = (options: WebPlayerOptions): Layer.Layer<WebPlayer, WebPlayerError> => Layer.scoped(WebPlayer, make(options))
