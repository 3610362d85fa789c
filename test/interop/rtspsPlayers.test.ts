/**
 * Players we did not write play rtsps:// from our server, against a self-signed certificate the
 * test makes: ffmpeg and ffprobe (their TLS layer does not verify by default), GStreamer's
 * rtspsrc with tls-validation-flags=0, and the harness with --insecure. Without --insecure the
 * harness fails with one line naming the verification problem. The server's own metrics show
 * the handshakes (the TLS port speaks nothing else, so a counted one proves TLS was used).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { harness, noStackTrace, runProcess } from "../support/harnessProcess.js"
import { makeCertificate } from "../support/selfSignedCert.js"
import { startTestServer, type TestServer } from "../support/testServer.js"
import { ffmpeg, ffprobe, gstLaunch, openssl } from "../support/tools.js"

const ffmpegTool = ffmpeg()
const ffprobeTool = ffprobe()
const gstTool = gstLaunch()
const opensslTool = openssl()

let server: TestServer
const logged: Array<string> = []
const rtsps = () => `rtsps://127.0.0.1:${server.info.tlsPort}/movie.Mjpeg`
const handshakes = (result: "ok" | "failed") => server.metrics.snapshot().guards.tlsHandshakes[result] ?? 0

describe.skipIf(opensslTool.skip)("interop: players over RTSPS (requires openssl)", () => {
  beforeAll(async () => {
    const cert = makeCertificate()
    server = await startTestServer({ tlsCert: cert.certFile, tlsKey: cert.keyFile, tlsPort: 0, loop: true }, (line) => logged.push(line))
  })
  afterAll(() => server?.close())

  it.skipIf(ffmpegTool.skip)("ffmpeg plays rtsps:// over TCP (requires ffmpeg)", async () => {
    const before = handshakes("ok")
    const ran = await runProcess("ffmpeg", ["-hide_banner", "-nostdin", "-rtsp_transport", "tcp", "-i", rtsps(), "-frames:v", "10", "-f", "null", "-"], 30_000)
    expect(ran.code, ran.stderr).toBe(0)
    expect(ran.stderr).toMatch(/frame=\s*10\b/)
    expect(handshakes("ok")).toBeGreaterThan(before)
  })

  it.skipIf(ffprobeTool.skip)("ffprobe reads the stream over rtsps:// (requires ffprobe)", async () => {
    const ran = await runProcess("ffprobe", [
      "-v", "error", "-rtsp_transport", "tcp", "-show_entries", "stream=codec_name,width,height,avg_frame_rate", "-of", "json", rtsps()
    ], 30_000)
    expect(ran.code, ran.stderr).toBe(0)
    const probed = JSON.parse(ran.stdout) as { readonly streams: ReadonlyArray<Record<string, unknown>> }
    expect(probed.streams).toEqual([{ codec_name: "mjpeg", width: 384, height: 288, avg_frame_rate: "20/1" }])
  })

  it.skipIf(gstTool.skip)("GStreamer rtspsrc plays rtsps:// with tls-validation-flags=0 (requires gst-launch-1.0)", async () => {
    const before = handshakes("ok")
    const ran = await runProcess("gst-launch-1.0", [
      "rtspsrc", `location=${rtsps()}`, "tls-validation-flags=0", "protocols=tcp", "!", "rtpjpegdepay", "!", "jpegdec", "!", "fakesink", "num-buffers=10"
    ], 30_000)
    expect(ran.code, `${ran.stdout}\n${ran.stderr}`).toBe(0)
    expect(ran.stdout).toContain("Got EOS")
    expect(handshakes("ok")).toBeGreaterThan(before)
  })

  it("the harness plays rtsps:// with --insecure, over TCP by default", async () => {
    const before = handshakes("ok")
    const ran = await harness(["play", rtsps(), "--insecure", "--duration", "1s", "--json"], 30_000)
    expect(ran.code, ran.stderr).toBe(0)
    const result = JSON.parse(ran.stdout) as { readonly ok: boolean; readonly transport: string; readonly framesReceived: number }
    expect(result).toMatchObject({ ok: true, transport: "tcp" })
    expect(result.framesReceived).toBeGreaterThan(0)
    expect(handshakes("ok")).toBeGreaterThan(before)
  })

  it("without --insecure the harness fails on the self-signed certificate in one clear line", async () => {
    const before = handshakes("failed")
    const ran = await harness(["play", rtsps(), "--duration", "1s"], 30_000)
    expect(ran.code).toBe(1)
    noStackTrace(ran)
    expect(ran.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^error: .*the server's TLS certificate does not verify: self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\); --insecure skips verification$/)
    ])
    // The server saw the client hang up mid-handshake: counted and logged with its address.
    expect(handshakes("failed")).toBeGreaterThan(before)
    expect(logged.some((line) => /TLS handshake failed: .* peer=127\.0\.0\.1:\d+/.test(line))).toBe(true)
  })
})
