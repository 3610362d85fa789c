/** serve --multicast, --multicast-range, --multicast-port and --multicast-ttl: defaults, refusals and the start line. */
import { spawn } from "node:child_process"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { expectRefused, serve } from "./serveKit.js"
import { waitUntilAsync } from "../support/polling.js"

describe("effect-rtsp serve --multicast", () => {
  it.effect("is on by default, with groups from 239.255.42.0/24 on port 8002 up, ttl 1", () =>
    Effect.gen(function*() {
      expect((yield* serve([])).settings?.server).toMatchObject({ multicast: true, multicastRange: "239.255.42.0/24", multicastPort: 8002, multicastTtl: 1 })
    }))

  it.effect("normalizes the range to its network address", () =>
    Effect.gen(function*() {
      expect((yield* serve(["--multicast-range", "239.1.2.77/24"])).settings?.server.multicastRange).toBe("239.1.2.0/24")
    }))

  it.effect.each([
    [["--multicast", "maybe"], "Expected one of the following cases: on, off"],
    [["--multicast-range", "10.0.0.0/8"], "--multicast-range (RTSP_MULTICAST_RANGE): \"10.0.0.0/8\" is not multicast: groups are in 224.0.0.0/4"],
    [["--multicast-range", "239.1.2/24"], "--multicast-range (RTSP_MULTICAST_RANGE): \"239.1.2/24\" is not an IPv4 range: expected CIDR such as 239.255.42.0/24"],
    [["--multicast-range", "ff15::/16"], "is not an IPv4 range"],
    [["--multicast-port", "8003"], "--multicast-port (RTSP_MULTICAST_PORT): must be even (RTCP uses the next one), got 8003"],
    [["--multicast-port", "80"], "--multicast-port (RTSP_MULTICAST_PORT): must be an integer from 1024 to 65534, got 80"],
    [["--multicast-ttl", "0"], "--multicast-ttl (RTSP_MULTICAST_TTL): must be an integer from 1 to 255, got 0"]
  ] as const)("refuses %j with a clear message", ([args, message]) =>
    expectRefused(args, message))

  it.effect("refuses a bad RTSP_MULTICAST_RANGE, naming the variable", () =>
    expectRefused([], "--multicast-range (RTSP_MULTICAST_RANGE): \"224.0.0.0/3\" is not multicast", { RTSP_MULTICAST_RANGE: "224.0.0.0/3" }))
})

describe("effect-rtsp serve with a live channel, running", () => {
  it("logs after its ready line where multicast groups come from", async () => {
    const child = spawn(process.execPath, ["dist/src/cli/bin.js", "serve", "--live", "movie.Mjpeg", "--host", "127.0.0.1", "--port", "0", "--rtp-port", "0", "--multicast-range", "239.7.7.0/24", "--multicast-port", "9100", "--multicast-ttl", "2"], { stdio: ["ignore", "ignore", "pipe"] })
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString() })
    try {
      const seen = await waitUntilAsync(() => stderr.includes("multicast: "), 15_000)
      expect(seen, stderr).toBe(true)
      expect(stderr).toContain("multicast: live paths play to groups from 239.7.7.0/24, RTP on UDP 9100 + 2·i, ttl 2")
    } finally {
      child.kill("SIGKILL")
    }
  })
})
