/**
 * An effect the server runs on a fiber of its own scope, however it is asked: the caller (a
 * SIGHUP handler, an embedding program's runtime) waits for it, while it logs with the
 * server's logger and dies with the server.
 */
import { Deferred, Effect, Queue, type Scope } from "effect"

export const makeServerTask = (task: Effect.Effect<void>): Effect.Effect<Effect.Effect<void>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const asked = yield* Queue.unbounded<Deferred.Deferred<void>>()
    yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(asked), (done) => Effect.zipRight(task, Deferred.succeed(done, undefined)))))
    return Effect.flatMap(Deferred.make<void>(), (done) => Effect.zipRight(Queue.offer(asked, done), Deferred.await(done)))
  })
