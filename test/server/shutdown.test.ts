/**
 * The server as a service: `effect-rtsp serve` in its own process, stopped
 * with SIGTERM while a client plays, sends RTCP BYE and exits 0 within 2 s.
 */
import { spawn } from "node:child_process"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { connect } from "../../harness/client/RtspClient.js"
import { decodeRtcpCompound } from "../../src/protocol/rtcp.js"
import { udpReceiver } from "../support/rtspTestClient.js"

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
  it.scopedLive("SIGTERM while playing: RTCP BYE to the session, exit status 0 within 2 s", () =>
    Effect.gen(function* () {
      // Released in reverse: the client, the receivers, then the process (SIGKILL if still alive).
      const server = yield* Effect.acquireRelease(Effect.promise(startServeProcess), (s) => Effect.sync(() => s.kill("SIGKILL")))
      const rtp = yield* Effect.acquireRelease(Effect.promise(() => udpReceiver()), (r) => Effect.sync(() => r.close()))
      const rtcp = yield* Effect.acquireRelease(Effect.promise(() => udpReceiver()), (r) => Effect.sync(() => r.close()))
      const url = `rtsp://127.0.0.1:${server.port}/movie.Mjpeg`
      const client = yield* connect(url)
      const setup = yield* client.setupUdp(`${url}/streamid=0`, rtp.port, rtcp.port)
      expect(setup.response.status).toBe(200)
      expect((yield* client.play(url)).status).toBe(200)
      expect(yield* Effect.promise(() => rtp.waitFor(20, 5000))).toBeGreaterThanOrEqual(20)
      const sentAt = performance.now()
      server.kill("SIGTERM")
      const exit = yield* Effect.promise(() => server.exit)
      expect(exit.code).toBe(0)
      expect(exit.at - sentAt).toBeLessThan(2000)
      yield* Effect.promise(() => rtcp.waitFor(2, 1000))
      const byes = rtcp.packets
        .map((p) => decodeRtcpCompound(p.data))
        .filter(Either.isRight)
        .flatMap((d) => d.right)
        .filter((p) => p._tag === "Goodbye")
      expect(byes.length).toBe(1)
    }))
})
