/**
 * Changes to a users file as pure functions: the command reads the file,
 * applies one, and writes the result back.
 */
import type { UserEntry, UsersFile } from "../../server/auth/accessFile.js"

export interface NewCredentials {
  readonly basic: string
  readonly digest: { readonly "SHA-256": string; readonly "MD5": string }
}

/** The file with `name` added, or its hashes replaced (its groups too when some are given). */
export const withUser = (file: UsersFile, name: string, credentials: NewCredentials, groups: ReadonlyArray<string>): UsersFile => {
  const previous: UserEntry | undefined = file.users[name]
  const kept = groups.length > 0 ? groups : previous?.groups ?? []
  const entry: UserEntry = { ...(kept.length > 0 ? { groups: [...kept] } : {}), basic: credentials.basic, digest: { ...credentials.digest } }
  return { ...file, users: { ...file.users, [name]: entry } }
}

export const withoutUser = (file: UsersFile, name: string): UsersFile => {
  const { [name]: _removed, ...users } = file.users
  return { ...file, users }
}

/** What `users list` prints: each user and its groups, then the rules; never a hash. */
export const listingOf = (file: UsersFile): string => {
  const names = Object.keys(file.users).sort()
  const lines = [`realm "${file.realm}", ${names.length} user${names.length === 1 ? "" : "s"}`]
  for (const name of names) {
    const groups = file.users[name]?.groups ?? []
    lines.push(`  ${name}${groups.length > 0 ? `  (groups: ${groups.join(", ")})` : ""}`)
  }
  lines.push(`${file.rules.length} rule${file.rules.length === 1 ? "" : "s"}`)
  for (const rule of file.rules) {
    const who = [
      ...(rule.anonymous === true ? ["anonymous"] : []),
      ...(rule.users ?? []).map((u) => `user ${u}`),
      ...(rule.groups ?? []).map((g) => `group ${g}`)
    ]
    lines.push(`  ${rule.allow.join("+")} ${rule.paths.join(", ")}: ${who.length > 0 ? who.join(", ") : "nobody"}`)
  }
  return lines.join("\n")
}
