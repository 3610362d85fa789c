/**
 * The web player's page sessions by id: bounded (a cap), reaped when no viewer has been
 * attached for a grace period (a closed tab's WebSocket is gone; a page that never connected
 * one), and all closed when the registry's Scope ends (shutdown).
 */
import { Clock, Data, Duration, Effect, ExecutionStrategy, Exit, Schedule, Scope } from "effect"
import { makePageSession, type PageSession, type PageSessionOptions } from "./PageSession.js"

export class RegistryFullError extends Data.TaggedError("RegistryFullError")<{ readonly message: string }> {}

export interface PageRegistryOptions {
  /** Page sessions at most (default 16). */
  readonly maxSessions?: number
  /** A page session without a viewer for this long is closed (default 3000 ms). */
  readonly idleGraceMs?: number
  /** How often the reaper looks (default 500 ms). */
  readonly reapEveryMs?: number
  readonly session?: Omit<PageSessionOptions, "id">
}

export interface PageRegistry {
  readonly get: (id: string) => PageSession | undefined
  readonly getOrCreate: (id: string) => Effect.Effect<PageSession, RegistryFullError>
  /** Closes the page session now (the tab's pagehide beacon); false when there was none. */
  readonly close: (id: string) => Effect.Effect<boolean>
  readonly size: () => number
}

/** What page ids look like (the page makes them from 16 random bytes). */
export const PAGE_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/

export const makePageRegistry = (options: PageRegistryOptions = {}): Effect.Effect<PageRegistry, never, Scope.Scope> =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const maxSessions = options.maxSessions ?? 16
    const graceMs = options.idleGraceMs ?? 3000
    const sessions = new Map<string, PageSession>()
    // Each page session's resources live in a scope of their own, closed when it is removed, so a
    // long-running player does not collect the finalizers of every tab it ever served.
    const scopes = new Map<string, Scope.CloseableScope>()
    // When each session was first seen without a viewer.
    const idleSince = new Map<string, number>()
    const lock = yield* Effect.makeSemaphore(1)

    const remove = (id: string) =>
      Effect.suspend(() => {
        const session = sessions.get(id)
        const own = scopes.get(id)
        sessions.delete(id)
        scopes.delete(id)
        idleSince.delete(id)
        const closeScope = own === undefined ? Effect.void : Scope.close(own, Exit.void)
        return session === undefined ? Effect.as(closeScope, false) : Effect.as(Effect.zipRight(session.close, closeScope), true)
      })

    const getOrCreate = (id: string) =>
      lock.withPermits(1)(
        Effect.gen(function* () {
          const existing = sessions.get(id)
          if (existing !== undefined) return existing
          if (sessions.size >= maxSessions) {
            return yield* new RegistryFullError({ message: `too many page sessions (${maxSessions}): close another tab, or wait a few seconds` })
          }
          const own = yield* Scope.fork(scope, ExecutionStrategy.sequential)
          const session = yield* makePageSession({ ...options.session, id }).pipe(Scope.extend(own))
          sessions.set(id, session)
          scopes.set(id, own)
          idleSince.set(id, yield* Clock.currentTimeMillis)
          return session
        })
      )

    const reap = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const expired: Array<string> = []
      for (const [id, session] of sessions) {
        if (session.viewers() > 0) {
          idleSince.delete(id)
          continue
        }
        const since = idleSince.get(id)
        if (since === undefined) idleSince.set(id, now)
        else if (now - since >= graceMs) expired.push(id)
      }
      yield* Effect.forEach(expired, remove, { concurrency: "unbounded", discard: true })
    })

    yield* Effect.forkIn(Effect.repeat(reap, Schedule.spaced(Duration.millis(options.reapEveryMs ?? 500))), scope)
    yield* Effect.addFinalizer(() => Effect.forEach([...sessions.keys()], remove, { concurrency: "unbounded", discard: true }))

    return {
      get: (id) => sessions.get(id),
      getOrCreate,
      close: remove,
      size: () => sessions.size
    } satisfies PageRegistry
  })
