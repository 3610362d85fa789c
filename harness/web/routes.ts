/**
 * The web player's HTTP surface:
 *   GET  /                           the page
 *   GET  /api/sessions               { count, max }
 *   GET  /api/sessions/:id           the page session's status
 *   GET  /api/sessions/:id/ws        WebSocket: frames (binary) and status (JSON); creates the page session
 *   POST /api/sessions/:id/setup     body { url, transport?, dialect? }; creates the page session
 *   POST /api/sessions/:id/play | pause | teardown
 *   POST /api/sessions/:id/close     the tab's pagehide beacon: tear down now
 * Actions answer { status } (200) or { error, status? }: 400 bad form, 404 no such page session,
 * 409 not in this state, 502 the RTSP server or the network failed, 503 too many page sessions.
 *
 * Another web site open in the same browser must not drive the player: Setup wants a JSON
 * content type (so a cross-site form or fetch needs a CORS preflight, which is never granted),
 * and a WebSocket whose Origin is another host is refused.
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect, Schema } from "effect"
import { type Dialect, DIALECTS, TRANSPORT_KINDS, type TransportKind } from "../../src/protocol/rtsp/vocabulary.js"
import type { PageActionError, PageSession } from "./PageSession.js"
import { PAGE_ID_PATTERN, type PageRegistry } from "./registry.js"
import type { PageStatus } from "./status.js"
import type { ViewerHub } from "./viewerSocket.js"

const SetupBody = Schema.Struct({
  url: Schema.String,
  transport: Schema.optionalWith(Schema.Literal(...TRANSPORT_KINDS), { default: (): TransportKind => "udp" }),
  dialect: Schema.optionalWith(Schema.Literal(...DIALECTS), { default: (): Dialect => "standard" })
})

const ACTION_STATUS: Readonly<Record<PageActionError["reason"], number>> = { BadRequest: 400, NotAllowed: 409, Rtsp: 502 }

const failure = (status: number, error: string, page?: PageStatus) =>
  HttpServerResponse.unsafeJson(page === undefined ? { error } : { error, status: page }, { status })

const NO_SESSION = "no such page session (it was closed, or reaped after its tab went away): reload the page"

/** No Origin (not a browser) or this very host. */
const sameOrigin = (headers: Readonly<Record<string, string | undefined>>): boolean => {
  const origin = headers["origin"]
  if (origin === undefined) return true
  try {
    return new URL(origin).host === headers["host"]
  } catch {
    return false
  }
}

const pageId = Effect.map(HttpRouter.params, (params) => {
  const id = params.id
  return id !== undefined && PAGE_ID_PATTERN.test(id) ? id : undefined
})

const respond = (session: PageSession, action: Effect.Effect<PageStatus, PageActionError>) =>
  action.pipe(
    Effect.map((status) => HttpServerResponse.unsafeJson({ status })),
    Effect.catchTag("PageActionError", (e) => Effect.succeed(failure(ACTION_STATUS[e.reason], e.message, session.status())))
  )

/** A route for a well-formed page session id (which may not exist yet): 400 otherwise. */
const withPageId = <E, R>(
  run: (id: string, request: HttpServerRequest.HttpServerRequest) => Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
) =>
  Effect.gen(function* () {
    const id = yield* pageId
    if (id === undefined) return failure(400, "bad page session id")
    const request = yield* HttpServerRequest.HttpServerRequest
    return yield* run(id, request)
  })

const existing = (registry: PageRegistry, run: (session: PageSession) => Effect.Effect<HttpServerResponse.HttpServerResponse>) =>
  Effect.flatMap(pageId, (id) => {
    const session = id === undefined ? undefined : registry.get(id)
    return session === undefined ? Effect.succeed(failure(404, NO_SESSION)) : run(session)
  })

export const webRoutes = (registry: PageRegistry, viewers: ViewerHub, maxSessions: number, page: string) =>
  HttpRouter.empty.pipe(
    HttpRouter.get("/", Effect.succeed(HttpServerResponse.text(page, { contentType: "text/html; charset=utf-8" }))),
    HttpRouter.get("/api/sessions", Effect.sync(() => HttpServerResponse.unsafeJson({ count: registry.size(), max: maxSessions }))),
    HttpRouter.get("/api/sessions/:id", existing(registry, (s) => Effect.sync(() => HttpServerResponse.unsafeJson({ status: s.status() })))),
    HttpRouter.get(
      "/api/sessions/:id/ws",
      withPageId((id, request) =>
        Effect.gen(function* () {
          if (!sameOrigin(request.headers)) return failure(403, "this page belongs to another site")
          const socket = yield* request.upgrade
          const session = yield* Effect.either(registry.getOrCreate(id))
          if (session._tag === "Left") yield* viewers.refuse(socket, session.left.message)
          else yield* viewers.serve(socket, session.right)
          return HttpServerResponse.empty()
        })
      ).pipe(
        Effect.scoped,
        Effect.catchTag("RequestError", () => Effect.succeed(failure(426, "this address wants a WebSocket")))
      )
    ),
    HttpRouter.post(
      "/api/sessions/:id/setup",
      withPageId((id, request) =>
        Effect.gen(function* () {
          if (!(request.headers["content-type"] ?? "").startsWith("application/json")) return failure(415, "expected a JSON body")
          const body = yield* Effect.either(HttpServerRequest.schemaBodyJson(SetupBody))
          if (body._tag === "Left") return failure(400, "expected a JSON body { url, transport: udp|tcp|multicast, dialect: standard|classic }")
          const session = yield* Effect.either(registry.getOrCreate(id))
          if (session._tag === "Left") return failure(503, session.left.message)
          return yield* respond(session.right, session.right.setup(body.right))
        })
      )
    ),
    HttpRouter.post("/api/sessions/:id/play", existing(registry, (s) => respond(s, s.play))),
    HttpRouter.post("/api/sessions/:id/pause", existing(registry, (s) => respond(s, s.pause))),
    HttpRouter.post("/api/sessions/:id/teardown", existing(registry, (s) => respond(s, s.teardown))),
    HttpRouter.post(
      "/api/sessions/:id/close",
      Effect.flatMap(pageId, (id) => (id === undefined ? Effect.void : Effect.asVoid(registry.close(id)))).pipe(
        Effect.as(HttpServerResponse.empty({ status: 204 }))
      )
    )
  ).pipe(
    Effect.catchTag("RouteNotFound", () => Effect.succeed(HttpServerResponse.text("not found\n", { status: 404 })))
  )
