/**
 * `effect-rtsp users add|remove|list --file FILE`: keeps a users file (see
 * src/server/auth/accessFile.ts). `add` asks for the password (see
 * readPassword.ts) and stores only its hashes; the file is written whole to a
 * temporary name, then renamed, readable by its owner alone.
 */
import { Args, Command, Options } from "@effect/cli"
import { Config, Console, Effect, Option } from "effect"
import { existsSync } from "node:fs"
import { chmod, readFile, rename, writeFile } from "node:fs/promises"
import { DEFAULT_REALM, emptyUsersFile, formatUsersFile, parseUsersFile, type UsersFile } from "../../server/auth/accessFile.js"
import { digestHa1s, hashPassword } from "../../server/auth/passwords.js"
import { listingOf, withoutUser, withUser } from "./editUsers.js"
import { UsersCommandError } from "./errors.js"
import { readPassword } from "./readPassword.js"

const file = Options.file("file").pipe(
  Options.withPseudoName("FILE"),
  Options.withFallbackConfig(Config.string("RTSP_USERS")),
  Options.withDescription("The users file (serve --users takes the same). Environment: RTSP_USERS.")
)
const name = Args.text({ name: "NAME" }).pipe(Args.withDescription("The user's name: 1 to 64 characters without ':', quotes, backslashes or spaces."))

const failure = (message: string) => new UsersCommandError({ message })

const readUsers = (path: string, create: boolean, realm: Option.Option<string>): Effect.Effect<UsersFile, UsersCommandError> =>
  Effect.gen(function* () {
    if (!existsSync(path)) {
      if (!create) return yield* failure(`${path} does not exist`)
      return emptyUsersFile(Option.getOrElse(realm, () => DEFAULT_REALM))
    }
    const text = yield* Effect.tryPromise({ try: () => readFile(path, "utf8"), catch: (e) => failure(`cannot read ${path}: ${String(e)}`) })
    const parsed = parseUsersFile(text)
    if (parsed._tag === "Left") return yield* failure(`${path}: ${parsed.left}`)
    if (Option.isSome(realm) && realm.value !== parsed.right.realm) {
      return yield* failure(`${path} is for realm "${parsed.right.realm}", not "${realm.value}" (the Digest hashes depend on it)`)
    }
    return parsed.right
  })

const writeUsers = (path: string, users: UsersFile): Effect.Effect<void, UsersCommandError> =>
  Effect.tryPromise({
    try: async () => {
      const temporary = `${path}.${process.pid}.tmp`
      await writeFile(temporary, formatUsersFile(users), { mode: 0o600 })
      await chmod(temporary, 0o600)
      await rename(temporary, path)
    },
    catch: (e) => failure(`cannot write ${path}: ${String(e)}`)
  })

const checkName = (text: string) =>
  /^[^:\s"\\]{1,64}$/.test(text) ? Effect.succeed(text) : Effect.fail(failure(`user name ${JSON.stringify(text)}: 1 to 64 characters without ':', quotes, backslashes or spaces`))

const addCommand = Command.make(
  "add",
  {
    file,
    name,
    groups: Options.text("group").pipe(Options.repeated, Options.withDescription("A group the user is in (repeatable); rules can name groups.")),
    realm: Options.text("realm").pipe(Options.optional, Options.withDescription(`The realm of a new file (default "${DEFAULT_REALM}"); for an existing file it must be the file's.`))
  },
  (options) =>
    Effect.gen(function* () {
      const user = yield* checkName(options.name)
      const users = yield* readUsers(options.file, true, options.realm)
      const password = yield* readPassword(user)
      const basic = yield* hashPassword(password).pipe(Effect.mapError((e) => failure(`cannot hash the password: ${e.message}`)))
      const existed = users.users[user] !== undefined
      yield* writeUsers(options.file, withUser(users, user, { basic, digest: digestHa1s(user, users.realm, password) }, options.groups))
      yield* Console.log(`${existed ? "updated" : "added"} ${user} in ${options.file} (realm "${users.realm}"): a scrypt hash for Basic, HA1s for Digest SHA-256 and MD5`)
    })
).pipe(Command.withDescription("Add a user, or give one a new password: it is asked for (twice, unseen) on a terminal, or read as the first line of standard input."))

const removeCommand = Command.make("remove", { file, name }, (options) =>
  Effect.gen(function* () {
    const users = yield* readUsers(options.file, false, Option.none())
    if (users.users[options.name] === undefined) return yield* failure(`${options.name} is not in ${options.file}`)
    yield* writeUsers(options.file, withoutUser(users, options.name))
    yield* Console.log(`removed ${options.name} from ${options.file}`)
  })).pipe(Command.withDescription("Remove a user (rules that name it stay, granting nothing)."))

const listCommand = Command.make("list", { file }, (options) =>
  Effect.flatMap(readUsers(options.file, false, Option.none()), (users) => Console.log(listingOf(users)))
).pipe(Command.withDescription("List the users, their groups and the rules (never a hash), after checking the file."))

export const usersCommand = Command.make("users").pipe(
  Command.withDescription("Keep the users file serve --users reads: who may log in, and what each may read or publish."),
  Command.withSubcommands([addCommand, removeCommand, listCommand])
)
