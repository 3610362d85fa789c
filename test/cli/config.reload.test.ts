/**
 * SIGHUP re-reads the config file of a running `effect-rtsp serve`: a bad file is logged and the
 * settings in force kept; a good one's live settings (limits) take effect at once and its other
 * changes are logged as waiting for a restart; a session playing through it all is not dropped.
 */
import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freePort } from "../support/freePort.js"
import { connectClient, sleep, type TestRtspClient } from "../support/rtspTestClient.js"

describe("SIGHUP and the config file", () => {
  it("keeps the settings in force on a bad file, applies a good one's limits at once, and drops no session", async () => {
    const dir = mkdtempSync(join(tmpdir(), "effect-rtsp-reload-"))
    const file = join(dir, "rtsp.yaml")
    const port = await freePort()
    const config = (perAddress: number, rtspPort: number) =>
      `media: ${join(process.cwd(), "video")}\nlisten: { host: 127.0.0.1, port: ${rtspPort} }\nrtp: { port: 0 }\nplayback: { loop: true }\n` +
      `limits: { exempt: [], maxConnectionsPerAddress: ${perAddress} }\n`
    writeFileSync(file, config(8, port))
    const child = spawn(process.execPath, ["dist/src/cli/bin.js", "serve", "--config", file], { stdio: ["ignore", "ignore", "pipe"] })
    let log = ""
    child.stderr.on("data", (c: Buffer) => (log += c.toString()))
    const clients: Array<TestRtspClient> = []
    const connect = async () => {
      const client = await connectClient(port, "127.0.0.2")
      clients.push(client)
      return client
    }
    const waitFor = async (text: string) => {
      const deadline = Date.now() + 10_000
      while (!log.includes(text) && Date.now() < deadline) await sleep(25)
      expect(log).toContain(text)
    }
    try {
      await waitFor("RTSP server listening")
      const player = await connect()
      const url = `rtsp://127.0.0.1:${port}/movie.Mjpeg`
      const setup = await player.request("SETUP", `${url}/streamid=0`, { Transport: "RTP/AVP/TCP;unicast;interleaved=0-1" })
      const session = (setup.headers.find(([name]) => name === "Session")?.[1] ?? "").split(";")[0] ?? ""
      expect((await player.request("PLAY", url, { Session: session })).statusCode).toBe(200)
      await connect()
      await connect()

      writeFileSync(file, "listen: { port: x }\n")
      child.kill("SIGHUP")
      await waitFor("config file not reloaded, the settings in force are kept:")
      expect(log).toContain('listen.port: Expected number, actual "x"')
      // Still 8 a address: a fourth connection is served.
      expect((await (await connect()).request("OPTIONS", url)).statusCode).toBe(200)

      writeFileSync(file, config(2, port + 1))
      child.kill("SIGHUP")
      await waitFor("reloaded: applied limits.maxConnectionsPerAddress 8 → 2; takes effect at restart: listen.port")
      const refused = await connect()
      expect(await refused.waitClosed(3000)).toBe(true)
      expect(refused.raw().toString()).toContain("503 Service Unavailable")

      // The session played through both reloads.
      const before = player.interleaved.length
      await sleep(300)
      expect(player.interleaved.length).toBeGreaterThan(before)
      expect((await player.request("GET_PARAMETER", url, { Session: session })).statusCode).toBe(200)
    } finally {
      for (const client of clients) client.close()
      child.kill("SIGTERM")
    }
  })
})
