/**
 * The users file: who may log in and what each may do. JSON:
 *
 *   { "realm": "effect-rtsp",
 *     "users": { "alice": { "groups": ["viewers"], "basic": "scrypt$…", "digest": { "SHA-256": "…", "MD5": "…" } } },
 *     "rules": [ { "paths": ["cams/**"], "groups": ["viewers"], "allow": ["read"] },
 *                { "paths": ["open/*"], "anonymous": true, "allow": ["read"] } ] }
 *
 * `basic` is a scrypt hash of the password (for Basic); `digest` holds the HA1s,
 * H(name:realm:password), for Digest. Both are secrets. A rule grants its
 * actions on its paths to the users and groups it names, or to everyone with
 * `anonymous`; grants add up and nothing denies.
 */
import { Either, ParseResult, Schema } from "effect"
import { compileGlob, type PathGlob } from "./pathGlob.js"

export const ACCESS_ACTIONS = ["read", "publish"] as const
export type AccessAction = (typeof ACCESS_ACTIONS)[number]

const Hex = (digits: number) =>
  Schema.String.pipe(Schema.pattern(new RegExp(`^[0-9a-f]{${digits}}$`), { message: () => `expected ${digits} lower-case hex digits` }))

const UserEntry = Schema.Struct({
  groups: Schema.optional(Schema.Array(Schema.String)),
  basic: Schema.optional(Schema.String.pipe(Schema.startsWith("scrypt$", { message: () => "expected a scrypt hash (scrypt$N$r$p$salt$hash)" }))),
  digest: Schema.optional(Schema.Struct({ "SHA-256": Schema.optional(Hex(64)), "MD5": Schema.optional(Hex(32)) }))
})

const Rule = Schema.Struct({
  paths: Schema.NonEmptyArray(Schema.NonEmptyString),
  users: Schema.optional(Schema.Array(Schema.String)),
  groups: Schema.optional(Schema.Array(Schema.String)),
  anonymous: Schema.optional(Schema.Boolean),
  allow: Schema.NonEmptyArray(Schema.Literal(...ACCESS_ACTIONS))
})

const UsersFileSchema = Schema.Struct({
  realm: Schema.NonEmptyString.pipe(Schema.filter((realm) => !/["\\\r\n]/.test(realm), { message: () => "a realm has no quotes, backslashes or line breaks" })),
  users: Schema.Record({ key: Schema.String.pipe(Schema.pattern(/^[^:\s"\\]{1,64}$/, { message: () => "a user name is 1 to 64 characters without ':', quotes, backslashes or spaces" })), value: UserEntry }),
  rules: Schema.Array(Rule)
})

export type UsersFile = typeof UsersFileSchema.Type
export type UserEntry = typeof UserEntry.Type

export const DEFAULT_REALM = "effect-rtsp"

/** A users file with nobody in it and nothing open: every path asks for credentials nobody has. */
export const emptyUsersFile = (realm = DEFAULT_REALM): UsersFile => ({ realm, users: {}, rules: [] })

export interface CompiledRule {
  readonly matches: PathGlob
  readonly users: ReadonlySet<string>
  readonly groups: ReadonlySet<string>
  readonly anonymous: boolean
  readonly allow: ReadonlySet<AccessAction>
}

/** A users file ready to answer questions: its rules compiled. */
export interface AccessPolicy {
  readonly realm: string
  readonly users: ReadonlyMap<string, UserEntry>
  readonly rules: ReadonlyArray<CompiledRule>
}

export const compilePolicy = (file: UsersFile): AccessPolicy => ({
  realm: file.realm,
  users: new Map(Object.entries(file.users)),
  rules: file.rules.map((rule) => {
    const globs = rule.paths.map(compileGlob)
    return {
      matches: (path: string) => globs.some((glob) => glob(path)),
      users: new Set(rule.users ?? []),
      groups: new Set(rule.groups ?? []),
      anonymous: rule.anonymous === true,
      allow: new Set(rule.allow)
    }
  })
})

/** May this user (undefined: anonymous) do this on this path? */
export const isAllowed = (policy: AccessPolicy, user: string | undefined, path: string, action: AccessAction): boolean => {
  const groups = user === undefined ? [] : policy.users.get(user)?.groups ?? []
  return policy.rules.some((rule) =>
    rule.allow.has(action) &&
    rule.matches(path) &&
    (rule.anonymous || (user !== undefined && (rule.users.has(user) || groups.some((g) => rule.groups.has(g))))))
}

const decodeUsersFile = Schema.decodeUnknownEither(Schema.parseJson(UsersFileSchema), { errors: "all", onExcessProperty: "error" })

/** The users file's text, checked; the problems, each with its path in the file, when it is not one. */
export const parseUsersFile = (text: string): Either.Either<UsersFile, string> =>
  Either.mapLeft(decodeUsersFile(text), (error) =>
    ParseResult.ArrayFormatter.formatErrorSync(error)
      .map((issue) => `${issue.path.length === 0 ? "(top)" : issue.path.map(String).join(".")}: ${issue.message}`)
      .join("; "))

export const formatUsersFile = (file: UsersFile): string => `${JSON.stringify(file, null, 2)}\n`
