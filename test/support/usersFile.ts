/** Writes a users file for tests: the hashes made as `effect-rtsp users add` makes them. */
import { Effect } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { formatUsersFile, type UsersFile } from "../../src/server/auth/accessFile.js"
import { digestHa1s, hashPassword } from "../../src/server/auth/passwords.js"

export interface TestUser {
  readonly password: string
  readonly groups?: ReadonlyArray<string>
}

export const writeUsersFile = async (
  users: Readonly<Record<string, TestUser>>,
  rules: UsersFile["rules"],
  realm = "effect-rtsp"
): Promise<string> => {
  const entries: Record<string, UsersFile["users"][string]> = {}
  for (const [name, user] of Object.entries(users)) {
    const basic = await Effect.runPromise(hashPassword(user.password))
    entries[name] = { ...(user.groups === undefined ? {} : { groups: [...user.groups] }), basic, digest: digestHa1s(name, realm, user.password) }
  }
  const path = join(mkdtempSync(join(tmpdir(), "effect-rtsp-users-")), "users.json")
  writeFileSync(path, formatUsersFile({ realm, users: entries, rules }))
  return path
}
