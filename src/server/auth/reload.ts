/**
 * Reading the users file again (SIGHUP): a file that does not check out is
 * logged and the one in force kept; a good one takes over at once, and every
 * session whose login it no longer allows is ended (BYE sent, its client's
 * next request is 454). Sessions it still allows go on untouched.
 */
import { Effect } from "effect"
import type { ServerContext } from "../context.js"
import { endSession } from "../sessionLifecycle.js"
import { isAllowed } from "./accessFile.js"
import { loadUsersFile } from "./guard.js"

export const REVOKED = "permission revoked"

export const reloadUsers = (ctx: ServerContext): Effect.Effect<void> =>
  Effect.gen(function* () {
    const guard = ctx.auth
    const file = ctx.config.usersFile
    if (guard === undefined || file === undefined) return
    const loaded = yield* Effect.either(loadUsersFile(file))
    if (loaded._tag === "Left") {
      return yield* Effect.logError(`users file not reloaded, the one in force is kept: ${loaded.left.message}`)
    }
    const policy = loaded.right
    guard.policy = policy
    const revoked = [...ctx.sessions.values()].filter((entry) => {
      const login = entry.connection.logins.get(entry.session.path)
      return login !== undefined && !isAllowed(policy, login.user, entry.session.path, login.action)
    })
    for (const entry of revoked) {
      const login = entry.connection.logins.get(entry.session.path)
      yield* endSession(ctx, entry, REVOKED)
      yield* Effect.logInfo(`session ended: ${login?.user === undefined ? "anonymous" : JSON.stringify(login.user)} may no longer ${login?.action ?? "read"} ${entry.session.path}`).pipe(
        Effect.annotateLogs({ session: entry.session.id, peer: entry.session.peer })
      )
    }
    yield* Effect.logInfo(`users file reloaded: ${policy.users.size} users, ${policy.rules.length} rules; ${revoked.length} session${revoked.length === 1 ? "" : "s"} ended (permission revoked)`)
  })
