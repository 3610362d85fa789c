/** serve --publish, --publish-from and --publisher-timeout: the refusals a user can make. */
import { spawn } from "node:child_process"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { cli } from "./runCli.js"
import { expectRefused, serve } from "./serveKit.js"
import { waitUntilAsync } from "../support/polling.js"

describe("effect-rtsp serve --publish", () => {
  it.effect.each([
    [["--publish-from", "10.0.0/8"], "--publish-from (RTSP_PUBLISH_FROM): \"10.0.0/8\" is not an address range: expected CIDR such as 10.0.0.0/8 or fd00::/8"],
    [["--publish-from", "127.0.0.1,10.0.0.0/40"], "--publish-from (RTSP_PUBLISH_FROM): \"10.0.0.0/40\": the prefix length must be 0 to 32"],
    [["--publisher-timeout", "0"], "--publisher-timeout (RTSP_PUBLISHER_TIMEOUT): must be an integer from 1 to 3600, got 0"]
  ] as const)("refuses %j with a clear message", ([args, message]) =>
    expectRefused(args, message))

  it.effect("takes RTSP_PUBLISH_FROM, comma-separated, and defaults to loopback only (an empty list)", () =>
    Effect.gen(function*() {
      expect((yield* serve([], { RTSP_PUBLISH_FROM: "10.0.0.0/8 , ::1" })).settings?.server.publishFrom).toEqual(["10.0.0.0/8", "::1"])
      expect((yield* serve([])).settings?.server).toMatchObject({ publish: false, publishFrom: [], publisherTimeoutSeconds: 10 })
    }))

  it.effect("the real command refuses --publish with more than one worker, before forking anything", () =>
    Effect.gen(function*() {
      const result = yield* cli("serve", "--publish", "--workers", "2", "--port", "0", "--rtp-port", "0", "--host", "127.0.0.1", "--log-level", "none")
      expect(result.code).toBe(1)
      expect(result.stderr).toContain("--publish needs one server process: use --workers 1")
    }))
})

describe("effect-rtsp serve --publish, running", () => {
  it("logs after its ready line who may publish and where a path goes", async () => {
    const child = spawn(process.execPath, ["dist/src/cli/bin.js", "serve", "--publish", "--host", "127.0.0.1", "--port", "0", "--rtp-port", "0"], { stdio: ["ignore", "ignore", "pipe"] })
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString() })
    try {
      const seen = await waitUntilAsync(() => stderr.includes("publishing: "), 15_000)
      expect(seen, stderr).toBe(true)
      const port = /RTSP server listening on [^:]+:(\d+)/.exec(stderr)?.[1]
      expect(stderr).toContain(`publishing: ANNOUNCE a path of your choice, e.g. rtsp://127.0.0.1:${port}/live/cam, from 127.0.0.0/8, ::1/128`)
    } finally {
      child.kill("SIGKILL")
    }
  })
})
