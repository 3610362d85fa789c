import { Data } from "effect"

/** Why a `users` command changed nothing. */
export class UsersCommandError extends Data.TaggedError("UsersCommandError")<{ readonly message: string }> {}
