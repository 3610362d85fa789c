/**
 * The harness over rtsps://: URLs (default port 322, the scheme in either case), TCP as the
 * transport when none is chosen, and the commands besides play (run, conformance, load) against
 * our server's TLS port with --insecure. `play` with and without --insecure is in
 * test/interop/rtspsPlayers.test.ts, beside the other players.
 */
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import { isRtspsUrl, transportFor } from "../../harness/cli/shared.js"
import { DEFAULT_RTSP_PORT, DEFAULT_RTSPS_PORT, parseRtspUrl } from "../../harness/client/credentials.js"
import { harness, noStackTrace } from "../support/harnessProcess.js"
import { makeCertificate } from "../support/selfSignedCert.js"
import { startTestServer, type TestServer } from "../support/testServer.js"
import { openssl } from "../support/tools.js"

const opensslTool = openssl()

describe("rtsps:// URLs in the harness", () => {
  it("connects to 322 by default (rtsp:// to 554) and marks the URL secure", () => {
    expect(DEFAULT_RTSPS_PORT).toBe(322)
    expect(parseRtspUrl("rtsps://cam.example/live")).toMatchObject({ host: "cam.example", port: DEFAULT_RTSPS_PORT, secure: true })
    expect(parseRtspUrl("RTSPS://127.0.0.1:8322/movie.Mjpeg")).toMatchObject({ host: "127.0.0.1", port: 8322, secure: true })
    expect(parseRtspUrl("rtsp://cam.example/live")).toEqual({ host: "cam.example", port: DEFAULT_RTSP_PORT, url: "rtsp://cam.example/live" })
  })

  it("plays over TCP unless a transport is chosen", () => {
    expect(transportFor("rtsps://h/x", Option.none())).toBe("tcp")
    expect(transportFor("RTSPS://h/x", Option.none())).toBe("tcp")
    expect(transportFor("rtsp://h/x", Option.none())).toBe("udp")
    expect(transportFor("rtsps://h/x", Option.some("udp"))).toBe("udp")
    expect([isRtspsUrl("rtsps://h/x"), isRtspsUrl("rtsp://h/x")]).toEqual([true, false])
  })
})

describe.skipIf(opensslTool.skip)("rtsp-harness run, conformance and load over rtsps:// (requires openssl)", () => {
  let server: TestServer
  const rtsps = () => `rtsps://127.0.0.1:${server.info.tlsPort}/movie.Mjpeg`

  beforeAll(async () => {
    const cert = makeCertificate("harness-rtsps")
    server = await startTestServer({ tlsCert: cert.certFile, tlsKey: cert.keyFile, tlsPort: 0, loop: true })
  })
  afterAll(() => server?.close())

  it("run: a scenario written for UDP, pointed at rtsps:// with --url, says so and plays over TCP", async () => {
    const ran = await harness(["run", "smoke", "--url", rtsps(), "--insecure", "--json"], 60_000)
    expect(ran.code, ran.stderr).toBe(0)
    expect(ran.stderr).toContain("note: --url is rtsps://: the scenario's udp transport becomes tcp")
    const result = JSON.parse(ran.stdout) as { readonly ok: boolean; readonly transport: string }
    expect(result).toMatchObject({ ok: true, transport: "tcp" })
  })

  it("run: a scenario file of rtsps:// that names no transport plays over TCP, every SETUP answered 200", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "harness-rtsps-")), "tls.json")
    writeFileSync(file, JSON.stringify({
      url: rtsps(),
      steps: [{ step: "describe" }, { step: "setup" }, { step: "play" }, { step: "wait", duration: "1s" }, { step: "teardown" }],
      expect: { frames: { min: 10 }, statuses: { SETUP: 200 } }
    }))
    const ran = await harness(["run", file, "--insecure", "--json"], 60_000)
    expect(ran.code, ran.stderr).toBe(0)
    expect(ran.stderr).not.toContain("note:")
    expect(JSON.parse(ran.stdout)).toMatchObject({ ok: true, transport: "tcp" })
  })

  it("conformance: the suite passes over rtsps:// with --insecure, and fails in one line without it", async () => {
    const ran = await harness(["conformance", rtsps(), "--insecure", "--json"], 120_000)
    expect(ran.code, ran.stderr).toBe(0)
    expect(JSON.parse(ran.stdout)).toMatchObject({ ok: true, failed: 0 })
    const refused = await harness(["conformance", rtsps()], 30_000)
    expect(refused.code).toBe(1)
    noStackTrace(refused)
    expect(refused.stderr).toContain("the server's TLS certificate does not verify: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT); --insecure skips verification")
  })

  it("load: a few clients over rtsps:// with --insecure, over TCP by default", async () => {
    const ran = await harness(["load", rtsps(), "--insecure", "--clients", "4", "--threads", "1", "--duration", "1s", "--ramp-up", "200ms", "--json"], 60_000)
    expect(ran.code, ran.stderr).toBe(0)
    expect(JSON.parse(ran.stdout)).toMatchObject({ ok: true, transport: "tcp", clientsOk: 4 })
  })
})
