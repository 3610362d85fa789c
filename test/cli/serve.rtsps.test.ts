/**
 * serve's RTSPS settings (--tls-cert, --tls-key, --tls-port, --allow-udp-with-tls and their
 * variables), the refusal of RTSPS in a cluster, and SIGHUP on the real command in its own
 * process: the ready line names rtsps://, a reload swaps the certificate new connections see, a
 * bad key keeps the old one without showing a byte of it, and a cluster's primary survives SIGHUP.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { copyFileSync, readFileSync, writeFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { TLS_NEEDS_ONE_PROCESS } from "../../src/cli/serve.js"
import { waitUntilAsync } from "../support/polling.js"
import { makeCertificate, peerFingerprint } from "../support/selfSignedCert.js"
import { openssl } from "../support/tools.js"
import { cli } from "./runCli.js"
import { expectRefused, serve } from "./serveKit.js"

const opensslTool = openssl()
const LOCAL = ["--host", "127.0.0.1", "--port", "0", "--rtp-port", "0"]

interface Running {
  readonly stderr: () => string
  readonly alive: () => boolean
  readonly hangup: () => void
  /** SIGTERM, then SIGKILL if it is still there after 10 s; the exit code (null when killed). */
  readonly stop: () => Promise<number | null>
}

/** `effect-rtsp serve <args>` in its own process, once `ready` matches what it logged. */
const startServe = async (args: ReadonlyArray<string>, ready: RegExp): Promise<Running> => {
  const child: ChildProcess = spawn(process.execPath, ["dist/src/cli/bin.js", "serve", ...LOCAL, ...args], { stdio: ["ignore", "ignore", "pipe"] })
  let stderr = ""
  child.stderr?.on("data", (chunk: Buffer) => { stderr += chunk.toString() })
  const alive = () => child.exitCode === null && child.signalCode === null
  if (!(await waitUntilAsync(() => ready.test(stderr) || !alive(), 20_000)) || !alive()) {
    child.kill("SIGKILL")
    throw new Error(`serve ${args.join(" ")} did not start:\n${stderr}`)
  }
  return {
    stderr: () => stderr,
    alive,
    hangup: () => void child.kill("SIGHUP"),
    stop: async () => {
      child.kill("SIGTERM")
      if (!(await waitUntilAsync(() => !alive(), 10_000))) child.kill("SIGKILL")
      await waitUntilAsync(() => !alive(), 5000)
      return child.exitCode
    }
  }
}

describe("effect-rtsp serve: RTSPS settings", () => {
  it.effect("takes the flags, and the variables behind them, with RTSPS off and port 8322 by default", () =>
    Effect.gen(function*() {
      const flags = yield* serve(["--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-port", "9322", "--allow-udp-with-tls"])
      expect(flags.settings?.server).toMatchObject({ tlsCert: "c.pem", tlsKey: "k.pem", tlsPort: 9322, allowUdpWithTls: true })
      const env = yield* serve([], { RTSP_TLS_CERT: "ec.pem", RTSP_TLS_KEY: "ek.pem", RTSP_TLS_PORT: "10322", RTSP_ALLOW_UDP_WITH_TLS: "true" })
      expect(env.settings?.server).toMatchObject({ tlsCert: "ec.pem", tlsKey: "ek.pem", tlsPort: 10322, allowUdpWithTls: true })
      const flagWins = yield* serve(["--tls-port", "11322"], { RTSP_TLS_PORT: "10322" })
      expect(flagWins.settings?.server.tlsPort).toBe(11322)
      const neither = yield* serve([])
      expect(neither.settings?.server).toMatchObject({ tlsCert: undefined, tlsKey: undefined, tlsPort: 8322, allowUdpWithTls: false })
    }))

  it.effect("refuses a --tls-port outside 0 to 65535", () => expectRefused(["--tls-port", "70000"], "--tls-port (RTSP_TLS_PORT)"))

  it.effect("refuses RTSPS with more than one worker, before reading the files or forking", () =>
    Effect.gen(function*() {
      const result = yield* cli("serve", ...LOCAL, "--workers", "2", "--tls-cert", "/nonexistent/c.pem", "--tls-key", "/nonexistent/k.pem", "--log-level", "none")
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(TLS_NEEDS_ONE_PROCESS)
      expect(result.stderr).not.toContain("/nonexistent")
    }))
})

describe.skipIf(opensslTool.skip)("effect-rtsp serve --tls-cert, running (requires openssl)", () => {
  it("names rtsps:// in its ready lines and reloads the certificate on SIGHUP, keeping it when the new key is bad", async () => {
    const cert = makeCertificate("serve-rtsps")
    const next = makeCertificate("serve-rtsps-next")
    const server = await startServe(["--tls-cert", cert.certFile, "--tls-key", cert.keyFile, "--tls-port", "0"], /RTSPS \(TLS\) listening on /)
    try {
      const tlsPort = Number(/RTSPS \(TLS\) listening on [^:]+:(\d+)/.exec(server.stderr())?.[1])
      expect(server.stderr()).toContain(`play rtsps://127.0.0.1:${tlsPort}/<file>`)
      expect(server.stderr()).toContain(`serving rtsps://127.0.0.1:${tlsPort}/movie.Mjpeg`)
      expect(await peerFingerprint(tlsPort)).toBe(cert.fingerprint256)

      copyFileSync(next.certFile, cert.certFile)
      copyFileSync(next.keyFile, cert.keyFile)
      server.hangup()
      expect(await waitUntilAsync(() => server.stderr().includes("TLS certificate reloaded"), 10_000), server.stderr()).toBe(true)
      expect(server.stderr()).toContain("SIGHUP: reading the TLS certificate and key again")
      expect(await peerFingerprint(tlsPort)).toBe(next.fingerprint256)

      const keyLine = readFileSync(cert.keyFile, "utf8").split("\n")[1]!
      writeFileSync(cert.keyFile, "-----BEGIN PRIVATE KEY-----\nS3CR3T-NOT-A-KEY\n-----END PRIVATE KEY-----\n")
      server.hangup()
      expect(await waitUntilAsync(() => server.stderr().includes("TLS certificate not reloaded"), 10_000), server.stderr()).toBe(true)
      expect(server.stderr()).toContain(`the one in force is kept: TLS key file ${cert.keyFile}: not a usable PEM private key`)
      expect(await peerFingerprint(tlsPort)).toBe(next.fingerprint256)
      expect(server.stderr().includes("S3CR3T") || server.stderr().includes(keyLine)).toBe(false)
      expect(server.alive()).toBe(true)
    } finally {
      expect(await server.stop()).toBe(0)
    }
  })
})

describe("effect-rtsp serve --workers 2 and SIGHUP", () => {
  it("the primary stays up and says that nothing was read again", async () => {
    const cluster = await startServe(["--workers", "2"], /RTSP server listening on /)
    try {
      cluster.hangup()
      expect(await waitUntilAsync(() => cluster.stderr().includes("SIGHUP: a cluster"), 10_000), cluster.stderr()).toBe(true)
      expect(cluster.alive()).toBe(true)
    } finally {
      expect(await cluster.stop()).toBe(0)
    }
  })
})
