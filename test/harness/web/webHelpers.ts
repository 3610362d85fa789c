/**
 * Drives the web player the way its page does, from a test: the page session's WebSocket (frames
 * acknowledged like the page's script does) and the POST actions, over real HTTP.
 */
import * as Socket from "@effect/platform/Socket"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import { Effect, Fiber, type Scope } from "effect"
import { randomBytes } from "node:crypto"
import { createServer } from "node:net"
import type { PageStatus } from "../../../harness/web/status.js"
import { waitUntil } from "../../support/polling.js"

export interface ActionResult {
  readonly code: number
  readonly error?: string
  readonly status?: PageStatus
}

export const newPageId = (): string => randomBytes(16).toString("hex")

export const post = (base: string, id: string, action: string, body?: unknown): Effect.Effect<ActionResult> =>
  Effect.promise(async () => {
    const response = await fetch(`${base}api/sessions/${id}/${action}`, {
      method: "POST",
      ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
    })
    const text = await response.text()
    const parsed: { error?: string; status?: PageStatus } = text === "" ? {} : JSON.parse(text)
    return { code: response.status, ...parsed }
  })

export interface TestViewer {
  readonly frames: ReadonlyArray<Buffer>
  readonly statuses: ReadonlyArray<PageStatus>
  readonly errors: ReadonlyArray<string>
  /** The tab closes: the WebSocket goes away. */
  readonly close: Effect.Effect<void>
  readonly closed: () => boolean
}

/** Opens the page session's WebSocket (creating the session); acks every frame. */
export const openViewer = (base: string, id: string): Effect.Effect<TestViewer, never, Scope.Scope> =>
  Effect.gen(function* () {
    const url = `${base.replace(/^http/, "ws")}api/sessions/${id}/ws`
    const socket = yield* Socket.makeWebSocket(url).pipe(Effect.provide(NodeSocket.layerWebSocketConstructor))
    const write = yield* socket.writer
    const frames: Array<Buffer> = []
    const statuses: Array<PageStatus> = []
    const errors: Array<string> = []
    let ended = false
    const fiber = yield* Effect.forkScoped(
      socket.runRaw((data) => {
        if (typeof data === "string") {
          const message: { type: string; message?: string } & Partial<PageStatus> = JSON.parse(data)
          if (message.type === "status") statuses.push(message as PageStatus)
          else errors.push(message.message ?? data)
          return
        }
        frames.push(Buffer.from(data))
        return Effect.ignore(write("ack"))
      }).pipe(Effect.ignore, Effect.ensuring(Effect.sync(() => (ended = true))))
    )
    // The first status says the page session exists (or the error says why not).
    yield* waitUntil(() => statuses.length > 0 || errors.length > 0 || ended, 5000)
    return {
      frames,
      statuses,
      errors,
      close: Fiber.interrupt(fiber).pipe(Effect.asVoid),
      closed: () => ended
    }
  })


/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
export const refusedPort = (): Effect.Effect<number> =>
  Effect.promise(() =>
    new Promise<number>((resolve, reject) => {
      const server = createServer()
      server.once("error", reject)
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        server.close(() => resolve(port))
      })
    })
  )

export const isJpeg = (data: Buffer): boolean =>
  data.length > 4 && data[0] === 0xff && data[1] === 0xd8 && data[data.length - 2] === 0xff && data[data.length - 1] === 0xd9

