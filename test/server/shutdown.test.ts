/**
 * The server as a service: `effect-rtsp serve` in its own process, stopped
 * with SIGTERM while a client plays, sends RTCP BYE and exits 0 within 2 s.
 */
import { spawn } from "node:child_process"
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { decodeRtcpCompound } from "../../src/protocol/rtcp.js"
import { connectClient, sessionIdOf, udpReceiver } from "../support/rtspTestClient.js"

const startServeProcess = (): Promise<{ port: number; exit: Promise<{ code: number | null; signal: string | null; at: number }>; kill: (signal: NodeJS.Signals) => void }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["dist/src/cli/bin.js", "serve", "--host", "127.0.0.1", "--port", "0", "--rtp-port", "0", "--log-format", "json"], {
      stdio: ["ignore", "ignore", "pipe"]
    })
    const exit = new Promise<{ code: number | null; signal: string | null; at: number }>((res) =>
      child.on("exit", (code, signal) => res({ code, signal, at: performance.now() })))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error("the server did not report its port within 15 s"))
    }, 15_000)
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
      const match = /RTSP server listening on [^:]+:(\d+)/.exec(stderr)
      if (match) {
        clearTimeout(timer)
        resolve({ port: Number(match[1]), exit, kill: (signal) => child.kill(signal) })
      }
    })
    child.on("error", reject)
  })

describe("shutdown", () => {
  it("SIGTERM while playing: RTCP BYE to the session, exit status 0 within 2 s", async () => {
    const server = await startServeProcess()
    const rtp = await udpReceiver()
    const rtcp = await udpReceiver()
    const client = await connectClient(server.port)
    try {
      const url = `rtsp://127.0.0.1:${server.port}/movie.Mjpeg`
      const setup = await client.request("SETUP", `${url}/streamid=0`, { Transport: `RTP/AVP;unicast;client_port=${rtp.port}-${rtcp.port}` })
      expect(setup.statusCode).toBe(200)
      expect((await client.request("PLAY", url, { Session: sessionIdOf(setup) })).statusCode).toBe(200)
      expect(await rtp.waitFor(20, 5000)).toBeGreaterThanOrEqual(20)
      const sentAt = performance.now()
      server.kill("SIGTERM")
      const exit = await server.exit
      expect(exit.code).toBe(0)
      expect(exit.at - sentAt).toBeLessThan(2000)
      await rtcp.waitFor(2, 1000)
      const byes = rtcp.packets
        .map((p) => decodeRtcpCompound(p.data))
        .filter(Either.isRight)
        .flatMap((d) => d.right)
        .filter((p) => p._tag === "Goodbye")
      expect(byes.length).toBe(1)
    } finally {
      client.close()
      rtp.close()
      rtcp.close()
      server.kill("SIGKILL")
    }
  })
})
