/** The end of a command that cannot do what it was asked: the lines on stderr, exit status 2. */
import { Console, Effect } from "effect"
import { CliExit } from "../../src/common/cliExit.js"

export const failWith = (lines: string): Effect.Effect<never, CliExit> =>
  Console.error(lines).pipe(Effect.zipRight(Effect.fail(new CliExit({ code: 2 }))))
