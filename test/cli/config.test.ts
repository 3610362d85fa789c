/**
 * The config file: its shape checked with each problem's place named, its values behind the
 * environment's and the flags' (flag > variable > file > default), `config check` and
 * `config print` as a user runs them, and serve refusing a bad file and running a good one.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { configFileIn, readConfigText } from "../../src/cli/config/configFile.js"
import { SETTING_KEYS } from "../../src/cli/config/settingKeys.js"
import { runProcess } from "../support/harnessProcess.js"
import { freePort } from "../support/freePort.js"
import { connectClient } from "../support/rtspTestClient.js"

const dir = mkdtempSync(join(tmpdir(), "effect-rtsp-config-"))
const write = (name: string, text: string): string => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}
const cli = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}) =>
  runProcess(process.execPath, ["dist/src/cli/bin.js", ...args], 20_000, { PATH: process.env.PATH, ...env })

describe("reading a config file", () => {
  it("turns each setting into its variable's text, paths from the file's folder", () => {
    const read = readConfigText(
      "media: clips\nlisten: { port: 9000 }\nrtp: { udpBatching: false }\nlive: [a.Mjpeg, b.Mjpeg]\nauth: { usersFile: /etc/rtsp/users.json }\nworkers: auto\n",
      "/srv/rtsp/config.yaml"
    )
    expect(read).toEqual(Either.right(new Map([
      ["RTSP_MEDIA", "/srv/rtsp/clips"],
      ["RTSP_PORT", "9000"],
      ["RTSP_UDP_BATCHING", "off"],
      ["RTSP_LIVE", "a.Mjpeg,b.Mjpeg"],
      ["RTSP_USERS", "/etc/rtsp/users.json"],
      ["RTSP_WORKERS", "auto"]
    ])))
    expect(readConfigText('{"listen": {"host": "127.0.0.1"}}', "c.json")).toEqual(Either.right(new Map([["RTSP_HOST", "127.0.0.1"]])))
    expect(readConfigText("", "empty.yaml")).toEqual(Either.right(new Map()))
  })

  it.each([
    ["listen:\n  prot: 1\n", 'listen.prot: is unexpected, expected: "host" | "port"'],
    ["listen: { port: x }\n", 'listen.port: Expected number, actual "x"'],
    ["listen: { port: 1.5 }\n", "listen.port: Expected an integer, actual 1.5"],
    ["logging: { level: loud }\n", "logging.level: expected one of all, trace, debug, info, warning, error, fatal, none"],
    ["workers: many\n", "workers: expected an integer or auto"],
    ["live: movie.Mjpeg\n", "live: expected a list of texts ([a, b])"],
    ["listen: [1\n", "line 2, column 1: "]
  ])("names the place of a problem: %j", (text, problem) => {
    const read = readConfigText(text, "bad.yaml")
    expect(Either.isLeft(read) && read.left.join("; ")).toContain(problem)
  })

  it("finds --config in the arguments, then RTSP_CONFIG", () => {
    expect(configFileIn(["serve", "--config", "a.yaml"], { RTSP_CONFIG: "b.yaml" })).toBe("a.yaml")
    expect(configFileIn(["serve", "--config=a.yaml"], {})).toBe("a.yaml")
    expect(configFileIn(["serve"], { RTSP_CONFIG: "b.yaml" })).toBe("b.yaml")
    expect(configFileIn(["serve"], {})).toBeUndefined()
  })

  it("has one row per variable and per flag", () => {
    expect(new Set(SETTING_KEYS.map((k) => k.env)).size).toBe(SETTING_KEYS.length)
    expect(new Set(SETTING_KEYS.map((k) => k.flag)).size).toBe(SETTING_KEYS.length)
    expect(new Set(SETTING_KEYS.map((k) => k.path)).size).toBe(SETTING_KEYS.length)
  })
})

describe("effect-rtsp config", () => {
  it("check: a good file passes, a bad shape and a bad value are named by their place, exit 1", async () => {
    const good = await cli(["config", "check", write("good.yaml", "listen: { port: 9000 }\nlimits: { maxSessions: 10 }\n")])
    expect(good).toMatchObject({ code: 0 })
    expect(good.stdout).toContain("good.yaml: good (2 settings)")
    const shape = await cli(["config", "check", write("shape.yaml", "listen: { port: x, prot: 1 }\n")])
    expect(shape.code).toBe(1)
    expect(shape.stderr).toContain('shape.yaml: listen.prot: is unexpected, expected: "host" | "port"; listen.port: Expected number, actual "x"')
    const value = await cli(["config", "check", write("range.yaml", "listen: { port: 70000 }\n")])
    expect(value.code).toBe(1)
    expect(value.stderr).toContain("range.yaml: listen.port: must be an integer from 0 to 65535, got 70000")
  })

  it("print: a flag beats the variable, which beats the file, which beats the default, each line saying which", async () => {
    const file = write("layers.yaml", "listen: { port: 9000, host: 127.0.0.1 }\nlimits: { maxSessions: 10, maxConnections: 20 }\nrtp: { mtu: 1200 }\n")
    const printed = await cli(["config", "print", "--config", file, "--port", "9100"], { RTSP_PORT: "9200", RTSP_MAX_SESSIONS: "30" })
    expect(printed.code).toBe(0)
    const lines = printed.stdout.split("\n")
    expect(lines).toContain("  port: 9100  # --port")
    expect(lines).toContain("  maxSessions: 30  # RTSP_MAX_SESSIONS")
    expect(lines).toContain(`  maxConnections: 20  # from ${file}`)
    expect(lines).toContain("  timeoutSeconds: 60  # default")
    // What print shows is a config file that checks out.
    const again = await cli(["config", "check", write("printed.yaml", printed.stdout)])
    expect(again.code).toBe(0)
  })

  it("serve refuses to start on a bad file, and runs with a good one's settings", async () => {
    const bad = await cli(["serve", "--config", write("bad-serve.yaml", "listen: { prot: 1 }\n")])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain("config file")
    expect(bad.stderr).toContain("listen.prot: is unexpected")

    const port = await freePort()
    const file = write("serve.yaml", `media: ${join(process.cwd(), "video")}\nlisten: { host: 127.0.0.1, port: ${port} }\nrtp: { port: 0 }\n`)
    const { spawn } = await import("node:child_process")
    const child = spawn(process.execPath, ["dist/src/cli/bin.js", "serve", "--config", file], { stdio: ["ignore", "ignore", "pipe"] })
    let stderr = ""
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    try {
      const deadline = Date.now() + 15_000
      while (!stderr.includes("RTSP server listening") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      expect(stderr).toContain(`RTSP server listening on 127.0.0.1:${port}`)
      const client = await connectClient(port)
      expect((await client.request("DESCRIBE", `rtsp://127.0.0.1:${port}/movie.Mjpeg`)).statusCode).toBe(200)
      client.close()
    } finally {
      child.kill("SIGTERM")
    }
  })
})
