/**
 * Clients nobody here wrote against a server with a users file: ffmpeg (credentials in the URL),
 * GStreamer (rtspsrc user-id= user-pw=) and the harness, each without credentials, with a wrong
 * password, with a user no rule lets read, and with the right ones. Each must get exactly
 * 401, 401, 403 and 200 (and then frames), read from the server's own log of the DESCRIBE.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { startTestServer, type TestServer } from "../support/testServer.js"
import { ffmpeg, gstLaunch } from "../support/tools.js"
import { harness, runProcess } from "../support/harnessProcess.js"
import { writeUsersFile } from "../support/usersFile.js"

const ffmpegTool = ffmpeg()
const gstTool = gstLaunch()

let server: TestServer
const logged: Array<string> = []

beforeAll(async () => {
  const usersFile = await writeUsersFile({ alice: { password: "wonder land" }, bob: { password: "builder" } }, [
    { paths: ["**"], users: ["alice"], allow: ["read"] }
  ])
  server = await startTestServer({ usersFile, loop: true }, (line) => logged.push(line))
})
afterAll(() => server.close())

type Case = "none" | "wrong" | "forbidden" | "right"
const CREDENTIALS: Readonly<Record<Case, { readonly user: string; readonly password: string } | undefined>> = {
  none: undefined,
  wrong: { user: "alice", password: "wrong" },
  forbidden: { user: "bob", password: "builder" },
  right: { user: "alice", password: "wonder land" }
}
const EXPECTED: Readonly<Record<Case, number>> = { none: 401, wrong: 401, forbidden: 403, right: 200 }

/** The status the server gave the client's last DESCRIBE: a refusal is logged, a success is a login at debug level. */
const lastDescribeStatus = (from: number): number | undefined => {
  const lines = logged.slice(from)
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!
    const refused = /DESCRIBE refused: (\d{3})/.exec(line)
    if (refused) return Number(refused[1])
    if (/auth: user "alice" logged in \(.*\) for DESCRIBE/.test(line)) return 200
  }
  return undefined
}

const loginSchemes = (from: number): Array<string> =>
  logged.slice(from).flatMap((line) => {
    const match = /logged in \((.*)\) for DESCRIBE/.exec(line)
    return match ? [match[1]!] : []
  })

const withCredentials = (url: string, credentials: (typeof CREDENTIALS)[Case]): string =>
  credentials === undefined ? url : url.replace("rtsp://", `rtsp://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@`)

describe("interop: players log in", () => {
  const cases: ReadonlyArray<Case> = ["none", "wrong", "forbidden", "right"]

  it.skipIf(ffmpegTool.skip).each(cases)("ffmpeg with credentials %s in the URL (requires ffmpeg)", async (which) => {
    const from = logged.length
    const ran = await runProcess("ffmpeg", ["-hide_banner", "-loglevel", "error", "-rtsp_transport", "tcp", "-i", withCredentials(server.url(), CREDENTIALS[which]), "-frames:v", "10", "-f", "null", "-"], 30_000)
    expect(lastDescribeStatus(from)).toBe(EXPECTED[which])
    if (which === "right") {
      expect(ran.code).toBe(0)
      console.log(`ffmpeg logged in with ${loginSchemes(from).join(", ")}`)
    } else {
      expect(ran.code).not.toBe(0)
      expect(ran.stderr).toContain(which === "forbidden" ? "403 Forbidden" : "401 Unauthorized")
    }
  })

  it.skipIf(gstTool.skip).each(cases)("GStreamer rtspsrc with credentials %s (requires gst-launch-1.0)", async (which) => {
    const from = logged.length
    const credentials = CREDENTIALS[which]
    const ran = await runProcess("gst-launch-1.0", [
      "-q", "rtspsrc", `location=${server.url()}`, "protocols=tcp",
      ...(credentials === undefined ? [] : [`user-id=${credentials.user}`, `user-pw=${credentials.password}`]),
      "!", "rtpjpegdepay", "!", "jpegdec", "!", "fakesink", "num-buffers=10"
    ], 30_000)
    expect(lastDescribeStatus(from)).toBe(EXPECTED[which])
    const output = ran.stdout + ran.stderr
    if (which === "right") {
      expect(ran.code).toBe(0)
      console.log(`GStreamer logged in with ${loginSchemes(from).join(", ")}`)
    } else {
      expect(ran.code).not.toBe(0)
      expect(output).toContain(which === "forbidden" ? "Forbidden (403)" : "Unauthorized (401)")
    }
  })

  it.each(cases)("the harness with credentials %s (in the URL or --user/--password)", async (which) => {
    const from = logged.length
    const credentials = CREDENTIALS[which]
    // The right ones come in the URL, the others as flags: both ways are taken.
    const url = which === "right" ? withCredentials(server.url(), credentials) : server.url()
    const flags = which === "right" || credentials === undefined ? [] : ["--user", credentials.user, "--password", credentials.password]
    const ran = await harness(["play", url, "--duration", "1s", ...flags])
    expect(lastDescribeStatus(from)).toBe(EXPECTED[which])
    if (which === "right") {
      expect(ran.code).toBe(0)
      expect(Number(/frames received\s+(\d+)/.exec(ran.stdout)?.[1] ?? 0)).toBeGreaterThanOrEqual(10)
      // The password the URL or --password carried is never printed.
      expect(ran.stdout + ran.stderr).not.toContain(credentials?.password ?? "?")
      expect(loginSchemes(from)).toEqual(["Digest SHA-256, qop=auth"])
    } else {
      expect(ran.code).not.toBe(0)
      expect(ran.stderr).toContain(which === "forbidden" ? "DESCRIBE answered 403" : "DESCRIBE answered 401")
    }
  })
})
