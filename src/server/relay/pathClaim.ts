/**
 * Who may take a path for publishing, for ANNOUNCE and for code alike: a path of unreserved
 * characters, not a file or live channel the server serves, and not held by someone else.
 */
import { Effect, Either } from "effect"
import type { ServerContext } from "../context.js"

/** Segments of unreserved characters, no `.` or `..` segment, at most 255 characters. */
const PUBLISH_PATH = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/
const MAX_PUBLISH_PATH = 255

export const PUBLISH_PATH_RULE = "a path is segments of letters, digits and . _ ~ - (no . or .. segment)"

export const isPublishablePath = (path: string): boolean => path.length <= MAX_PUBLISH_PATH && PUBLISH_PATH.test(path)

/** Why `path` cannot be taken by `connectionId` (undefined for code), or undefined when it can. */
export const pathConflict = (ctx: ServerContext, path: string, connectionId: number | undefined): Effect.Effect<string | undefined> =>
  Effect.gen(function* () {
    if (ctx.live.paths.has(path) || Either.isRight(yield* Effect.either(ctx.library.resolve(path)))) {
      return `${path} is a file this server serves; publish under another path`
    }
    const existing = ctx.channels.get(path)
    // The same connection may announce its path again until it records.
    const reannounce = existing !== undefined && connectionId !== undefined && existing.connectionId === connectionId && existing.publisher === undefined
    return existing === undefined || reannounce ? undefined : `${path} already has a publisher`
  })
