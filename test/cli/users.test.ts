/**
 * `effect-rtsp users`: the password comes from standard input or a prompt that shows nothing of
 * it, never from argv; the file keeps only hashes a server then accepts, readable by its owner
 * alone; bad names, empty passwords and a realm that is not the file's change nothing.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { computeHa1 } from "../../src/protocol/rtsp/headers/auth.js"
import { parseUsersFile } from "../../src/server/auth/accessFile.js"
import { verifyPassword } from "../../src/server/auth/passwords.js"

interface Ran {
  readonly code: number | null
  readonly output: string
}

/** The built CLI with `input` on standard input (a pipe, not a terminal). */
const users = (args: ReadonlyArray<string>, input: string): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["dist/src/cli/bin.js", "users", ...args], { stdio: ["pipe", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (c: Buffer) => (output += c.toString()))
    child.stderr.on("data", (c: Buffer) => (output += c.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
    child.on("error", reject)
    child.on("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
    child.stdin.end(input)
  })

/** The built CLI on a terminal (util-linux `script` gives it a pty), answering each prompt as it appears. */
const usersOnTerminal = (args: ReadonlyArray<string>, answers: ReadonlyArray<string>): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const command = [process.execPath, "dist/src/cli/bin.js", "users", ...args].map((a) => `'${a}'`).join(" ")
    const child = spawn("script", ["-qec", command, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] })
    let output = ""
    const pending = [...answers]
    let prompts = 0
    child.stdout.on("data", (c: Buffer) => {
      output += c.toString()
      // Each prompt's first paint ends with its (empty) input; answer it once.
      const seen = (output.match(/(Password for \w+|Again)\u001b\[0m \u001b\[0;90m\u203a/g) ?? []).length
      if (seen > prompts && pending.length > 0) {
        prompts = seen
        child.stdin.write(`${pending.shift()}\r`)
      }
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
    child.on("error", reject)
    child.on("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })

const fileIn = (): string => join(mkdtempSync(join(tmpdir(), "effect-rtsp-users-cli-")), "users.json")

describe("effect-rtsp users", () => {
  it("adds users from standard input, keeps only hashes that verify, mode 0600, and lists them without a hash", async () => {
    const file = fileIn()
    const added = await users(["add", "alice", "--file", file, "--group", "viewers"], "correct horse\n")
    expect(added).toMatchObject({ code: 0 })
    expect(added.output).toContain(`added alice in ${file} (realm "effect-rtsp")`)
    expect((await users(["add", "bob", "--file", file], "battery staple\nignored\n")).code).toBe(0)
    const text = readFileSync(file, "utf8")
    expect(text).not.toContain("correct horse")
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const parsed = parseUsersFile(text)
    if (parsed._tag === "Left") throw new Error(parsed.left)
    const alice = parsed.right.users["alice"]!
    expect(alice.groups).toEqual(["viewers"])
    expect(await Effect.runPromise(verifyPassword("correct horse", alice.basic!))).toBe(true)
    expect(await Effect.runPromise(verifyPassword("correct horsE", alice.basic!))).toBe(false)
    expect(alice.digest?.["SHA-256"]).toBe(computeHa1("SHA-256", "alice", "effect-rtsp", "correct horse"))
    expect(parsed.right.users["bob"]?.digest?.["MD5"]).toBe(computeHa1("MD5", "bob", "effect-rtsp", "battery staple"))

    const listed = await users(["list", "--file", file], "")
    expect(listed.code).toBe(0)
    expect(listed.output).toBe('realm "effect-rtsp", 2 users\n  alice  (groups: viewers)\n  bob\n0 rules\n')

    expect((await users(["remove", "bob", "--file", file], "")).output).toContain(`removed bob from ${file}`)
    expect(Object.keys(JSON.parse(readFileSync(file, "utf8")).users)).toEqual(["alice"])
  })

  it("refuses an empty password, a bad name, another realm and a missing file, changing nothing", async () => {
    const file = fileIn()
    expect((await users(["add", "alice", "--file", file, "--realm", "cams"], "pw\n")).code).toBe(0)
    const before = readFileSync(file, "utf8")
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string, string]> = [
      [["add", "carol", "--file", file], "\n", "the password is empty; nothing was written"],
      [["add", "a:b", "--file", file], "pw\n", "1 to 64 characters without ':'"],
      [["add", "carol", "--file", file, "--realm", "other"], "pw\n", `is for realm "cams", not "other"`],
      [["remove", "nobody", "--file", file], "", `nobody is not in ${file}`],
      [["list", "--file", `${file}.missing`], "", "does not exist"]
    ]
    for (const [args, input, message] of cases) {
      const ran = await users(args, input)
      expect(ran.code).toBe(1)
      expect(ran.output).toContain(message)
      expect(ran.output).not.toMatch(/^\s+at /m)
    }
    expect(readFileSync(file, "utf8")).toBe(before)
  })

  it("on a terminal asks twice and shows nothing of the password", async () => {
    const file = fileIn()
    const ran = await usersOnTerminal(["add", "dave", "--file", file], ["tty-secret", "tty-secret"])
    expect(ran.code).toBe(0)
    expect(ran.output).toContain("added dave")
    expect(ran.output).not.toContain("tty-secret")
    const parsed = parseUsersFile(readFileSync(file, "utf8"))
    if (parsed._tag === "Left") throw new Error(parsed.left)
    expect(await Effect.runPromise(verifyPassword("tty-secret", parsed.right.users["dave"]!.basic!))).toBe(true)
    const mismatch = await usersOnTerminal(["add", "erin", "--file", file], ["one", "two"])
    expect(mismatch.code).toBe(1)
    expect(mismatch.output).toContain("the two passwords differ; nothing was written")
  })
})
