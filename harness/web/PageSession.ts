/**
 * One browser tab's session: at most one harness ClientSession at a time (made at Setup, in its
 * own Scope, closed at Teardown or when the tab goes), the classic four actions serialized, the
 * live figures and the frames fanned out to the tab's viewers (its WebSocket).
 *
 * Frames reach a viewer through a one-slot sliding queue: a viewer that cannot keep up skips to
 * the newest frame instead of queueing them, so memory stays bounded whatever the browser does.
 */
import { Data, Effect, ExecutionStrategy, Exit, Fiber, Queue, Scope } from "effect"
import type { Dialect, TransportKind } from "../../src/protocol/rtsp/vocabulary.js"
import { RtspClientError } from "../client/RtspClient.js"
import { makeClientSession } from "../session/ClientSession.js"
import type { ClientSession, LiveCounters } from "../session/types.js"
import { checkRtspUrl } from "../client/credentials.js"
import { describeError } from "./errorText.js"
import { makeLiveWindow } from "./liveWindow.js"
import {
  allowedActions,
  frameMessage,
  type PageAction,
  type PageState,
  type PageStatus
} from "./status.js"

export class PageActionError extends Data.TaggedError("PageActionError")<{
  /** NotAllowed: not in this state (or the page session is closed); BadRequest: the form; Rtsp: the server or network. */
  readonly reason: "NotAllowed" | "BadRequest" | "Rtsp"
  readonly message: string
}> {}

export interface SetupRequest {
  readonly url: string
  readonly transport: TransportKind
  readonly dialect: Dialect
}

export interface Viewer {
  /** The newest frame message not taken yet (older ones were dropped). */
  readonly nextFrame: Effect.Effect<Buffer>
  /** Completes at the next change of state (an action started or ended). */
  readonly changed: Effect.Effect<void>
}

export interface PageSession {
  readonly id: string
  readonly setup: (request: SetupRequest) => Effect.Effect<PageStatus, PageActionError>
  readonly play: Effect.Effect<PageStatus, PageActionError>
  readonly pause: Effect.Effect<PageStatus, PageActionError>
  readonly teardown: Effect.Effect<PageStatus, PageActionError>
  readonly status: () => PageStatus
  /** Registers a viewer for the lifetime of the Scope. */
  readonly attachViewer: Effect.Effect<Viewer, never, Scope.Scope>
  readonly viewers: () => number
  /** Waits for a running action, then tears the RTSP session down and closes everything. */
  readonly close: Effect.Effect<void>
}

export interface PageSessionOptions {
  readonly id: string
  /** Per RTSP request (default 5000 ms). */
  readonly timeoutMs?: number
  /** UDP silent after PLAY for this long switches to TCP (the client's default when absent). */
  readonly udpFallbackMs?: number
}

interface Client {
  readonly session: ClientSession
  readonly scope: Scope.CloseableScope
}

/** How long a closing page session waits for the server's TEARDOWN reply. */
const POLITE_TEARDOWN_MS = 1500

const CLOSED = "this page session is closed: reload the page"

const STATE_NAMES: Readonly<Record<PageState, string>> = { init: "INIT", ready: "READY", playing: "PLAYING" }

const round1 = (x: number): number => Math.round(x * 10) / 10

/** Only a plain refusal leaves the RTSP session usable; 454 means the server forgot it. */
const keepsClient = (error: unknown): boolean =>
  error instanceof RtspClientError && error.reason === "Status" && error.status !== 454

export const makePageSession = (options: PageSessionOptions): Effect.Effect<PageSession, never, Scope.Scope> =>
  Effect.gen(function* () {
    const own = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    const lock = yield* Effect.makeSemaphore(1)
    const slots = new Set<{ readonly frames: Queue.Queue<Buffer>; readonly changed: Queue.Queue<void> }>()

    let closed = false
    let client: Client | undefined
    // Frames from an older client (torn down, still draining a socket callback) are ignored.
    let generation = 0
    let busy = false
    let error: string | undefined
    let request: SetupRequest | undefined
    let sessionId: string | undefined
    let transport: TransportKind | undefined
    let fallback: string | undefined
    let codec: string | undefined
    let frames = 0
    let live = makeLiveWindow()
    let counters: LiveCounters["rtp"] | undefined
    let startupMs: number | undefined
    let lastRequest: string | undefined
    let lastResponse: string | undefined

    const notify = (): void => {
      for (const slot of slots) Queue.unsafeOffer(slot.changed, undefined)
    }

    const state = (): PageState => {
      const s = client?.session.live().state
      return s === "ready" || s === "playing" ? s : "init"
    }

    const status = (): PageStatus => {
      const st = state()
      if (client !== undefined) {
        counters = client.session.live().rtp
        if (startupMs === undefined && frames > 0) startupMs = client.session.snapshot().receiver.frames.startupMs
      }
      return {
        type: "status",
        state: st,
        busy,
        allowed: closed ? [] : allowedActions(st, busy),
        ...(request === undefined ? {} : { url: request.url, dialect: request.dialect, transport: transport ?? request.transport }),
        ...(sessionId === undefined ? {} : { sessionId }),
        ...(fallback === undefined ? {} : { fallback }),
        ...(codec === undefined ? {} : { codec }),
        frames,
        fps: round1(live.fps(performance.now())),
        jitterMs: round1(counters?.jitterMs ?? 0),
        packetsLost: counters?.packetsLost ?? 0,
        lossPct: round1(counters?.lossPct ?? 0),
        ...(startupMs === undefined ? {} : { startupMs: round1(startupMs) }),
        ...(lastRequest === undefined ? {} : { lastRequest }),
        ...(lastResponse === undefined ? {} : { lastResponse }),
        intervalsMs: live.intervalsMs().map(round1),
        ...(error === undefined ? {} : { error })
      }
    }

    const refresh = (c: Client): void => {
      const s = c.session.snapshot()
      sessionId = s.sessionId
      transport = s.transport
      fallback = s.fallback
      codec = s.tracks[0]?.codec
    }

    /** Forgets the client first (so its late frames are ignored), then closes its scope: TEARDOWN if still set up, sockets. */
    const dropClient = Effect.suspend(() => {
      const c = client
      client = undefined
      generation += 1
      sessionId = undefined
      return c === undefined ? Effect.void : Scope.close(c.scope, Exit.void)
    })

    const politeTeardown = (session: ClientSession) =>
      Effect.suspend(() => {
        const s = session.live().state
        return s === "ready" || s === "playing"
          ? session.teardown.pipe(Effect.timeout(`${POLITE_TEARDOWN_MS} millis`), Effect.ignore)
          : Effect.void
      })

    const rtspFailure = (cause: unknown) =>
      Effect.gen(function* () {
        if (!keepsClient(cause)) yield* dropClient
        return yield* new PageActionError({ reason: "Rtsp", message: describeError(cause) })
      })

    /**
     * One action at a time, only where the state allows it; the error (if any) stays on the page
     * until the next. The action runs in its own fiber in the page session's scope: an HTTP
     * request that goes away does not cut an RTSP exchange in half (each is bounded by its
     * timeout), and the fibers the client forks stay interruptible.
     */
    const guarded = (action: PageAction, body: (c: Client | undefined) => Effect.Effect<void, PageActionError>) => {
      const work = lock.withPermits(1)(
        Effect.gen(function* () {
          if (closed) return yield* new PageActionError({ reason: "NotAllowed", message: CLOSED })
          const st = state()
          if (!allowedActions(st, false).includes(action)) {
            return yield* new PageActionError({ reason: "NotAllowed", message: `${action.toUpperCase()} is not possible in ${STATE_NAMES[st]}` })
          }
          busy = true
          error = undefined
          notify()
          yield* body(client)
        }).pipe(
          Effect.tapError((e) => Effect.sync(() => (error = e.message))),
          Effect.ensuring(Effect.sync(() => {
            busy = false
            notify()
          }))
        )
      )
      return Effect.suspend(() =>
        closed ? Effect.fail(new PageActionError({ reason: "NotAllowed", message: CLOSED })) : Effect.forkIn(work, own)
      ).pipe(
        Effect.flatMap(Fiber.await),
        Effect.flatMap((exit) =>
          Exit.isSuccess(exit) || !Exit.isInterrupted(exit)
            ? Effect.map(exit, status)
            : Effect.fail(new PageActionError({ reason: "NotAllowed", message: CLOSED })))
      )
    }

    const setup = (req: SetupRequest) =>
      guarded("setup", () =>
        Effect.gen(function* () {
          const url = req.url.trim()
          const checked = checkRtspUrl(url)
          if (checked._tag === "Left") return yield* new PageActionError({ reason: "BadRequest", message: checked.left })
          // A client whose connection was lost is still held (its scope open): release it first.
          yield* dropClient
          generation += 1
          const mine = generation
          request = { ...req, url }
          transport = undefined
          fallback = undefined
          codec = undefined
          frames = 0
          live = makeLiveWindow()
          counters = undefined
          startupMs = undefined
          lastRequest = undefined
          lastResponse = undefined
          const scope = yield* Scope.fork(own, ExecutionStrategy.sequential)
          const session = yield* Effect.gen(function* () {
            const made = yield* makeClientSession({
              url,
              transport: req.transport,
              dialect: req.dialect,
              ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
              ...(options.udpFallbackMs === undefined ? {} : { udpFallbackMs: options.udpFallbackMs }),
              onFrame: (frame, index) => {
                if (mine !== generation) return
                frames = index + 1
                live.onFrame(frame.arrivalMs)
                if (slots.size === 0) return
                const message = frameMessage(index, frame.jpeg)
                for (const slot of slots) Queue.unsafeOffer(slot.frames, message)
              },
              // H.264/H.265: counted and timed like frames, not drawn.
              onAccessUnit: (_unit, index, arrivalMs) => {
                if (mine !== generation) return
                frames = index + 1
                live.onFrame(arrivalMs)
              },
              onExchange: (exchange) => {
                if (mine !== generation) return
                lastRequest = exchange.request
                lastResponse = exchange.response ?? "(no response)"
              },
              // The page learns at once: the state falls back to INIT (Setup offered) with the reason.
              onConnectionLost: (lost) => {
                if (mine !== generation) return
                error = describeError(lost)
                notify()
              }
            }).pipe(Scope.extend(scope))
            // Added after the client's own finalizers, so it runs before the connection closes.
            yield* Scope.addFinalizer(scope, politeTeardown(made))
            yield* made.setup
            return made
          }).pipe(
            Effect.onError(() => Scope.close(scope, Exit.void)),
            Effect.catchAll((cause) => new PageActionError({ reason: "Rtsp", message: describeError(cause) }))
          )
          client = { session, scope }
          refresh(client)
        }))

    const withClient = (c: Client | undefined) =>
      c === undefined ? Effect.fail(new PageActionError({ reason: "NotAllowed", message: "not set up" })) : Effect.succeed(c)

    const play = guarded("play", (current) =>
      Effect.gen(function* () {
        const c = yield* withClient(current)
        // The pause is not an inter-frame interval.
        live.breakChain()
        yield* c.session.play().pipe(Effect.catchAll(rtspFailure))
        refresh(c)
      }))

    const pause = guarded("pause", (current) =>
      Effect.gen(function* () {
        const c = yield* withClient(current)
        yield* c.session.pause.pipe(Effect.catchAll(rtspFailure))
      }))

    const teardown = guarded("teardown", (current) =>
      Effect.gen(function* () {
        const c = yield* withClient(current)
        const result = yield* Effect.either(c.session.teardown)
        // Whatever the answer, this client is done with.
        yield* dropClient
        if (result._tag === "Left") return yield* new PageActionError({ reason: "Rtsp", message: describeError(result.left) })
      }))

    const attachViewer = Effect.gen(function* () {
      const slot = { frames: yield* Queue.sliding<Buffer>(1), changed: yield* Queue.sliding<void>(1) }
      yield* Effect.acquireRelease(Effect.sync(() => slots.add(slot)), () => Effect.sync(() => slots.delete(slot)))
      return { nextFrame: Queue.take(slot.frames), changed: Queue.take(slot.changed) } satisfies Viewer
    })

    const close = lock.withPermits(1)(
      Effect.suspend(() => {
        closed = true
        return dropClient.pipe(Effect.zipRight(Scope.close(own, Exit.void)), Effect.ensuring(Effect.sync(notify)))
      })
    )

    return {
      id: options.id,
      setup,
      play,
      pause,
      teardown,
      status,
      attachViewer,
      viewers: () => slots.size,
      close
    } satisfies PageSession
  })
