/**
 * `rtsp-harness play --impair` and `run` with impairments, as users run them (the built CLI in
 * its own process) against our server on port 0: the server's record printed beside the
 * harness's figures with AGREE per figure, the same in --json as `serverRecord` and `agreement`,
 * a typo in --impair refused in one line, and a scenario's per-client impairments and recovery
 * expectation judged.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { harness, noStackTrace } from "../../support/harnessProcess.js"
import { startTestServer, type TestServer } from "../../support/testServer.js"

let server: TestServer
let work: string
beforeAll(async () => {
  server = await startTestServer()
  work = mkdtempSync(join(tmpdir(), "harness-impair-"))
})
afterAll(async () => {
  await server.close()
  rmSync(work, { recursive: true, force: true })
})

describe("rtsp-harness play --impair", () => {
  it("prints the server's record beside the harness's figures, each AGREE", async () => {
    const ran = await harness(["play", "--impair", "lossy-wifi", "--duration", "2s", server.url()])
    expect(ran.code, ran.stderr).toBe(0)
    expect(ran.stdout).toMatch(/impairment asked\s+lossy-wifi/)
    expect(ran.stdout).toMatch(/server record\s+lossy-wifi, seed 1: \d+ packets, dropped \d+/)
    for (const figure of ["loss", "duplicates", "reordered"]) expect(ran.stdout).toMatch(new RegExp(`  ${figure}\\s+harness (\\d+)  server \\1  AGREE`))
    expect(ran.stdout).toMatch(/jitter \(RFC 3550\)\s+harness \d+\.\d{3} ms  server \d+\.\d{3} ms  AGREE \(within ±2 ms: -?\d+\.\d{3} ms apart\)/)
  })

  it("--json carries serverRecord and agreement; the knobs and the seed are the ones asked for", async () => {
    const ran = await harness(["play", "--impair", "loss=3%&dup=2%&seed=9", "--transport", "tcp", "--duration", "2s", "--json", server.url()])
    expect(ran.code, ran.stderr).toBe(0)
    const result = JSON.parse(ran.stdout) as Record<string, unknown>
    expect(result).toMatchObject({
      ok: true,
      impairment: "loss=3%&dup=2%&seed=9",
      serverRecord: { offered: true, profile: "inline", seed: 9, dropped: { loss: expect.any(Number), total: expect.any(Number) }, duplicated: expect.any(Number) },
      agreement: {
        loss: { verdict: "agree" },
        duplicates: { verdict: "agree" },
        reordered: { verdict: "agree" },
        jitter: { toleranceMs: 2, differenceMs: expect.any(Number) },
        exact: true
      }
    })
  })

  it("a typo in --impair is one clear line, before connecting", async () => {
    const ran = await harness(["play", "--impair", "los=2%", server.url()])
    expect(ran.code).not.toBe(0)
    expect(ran.stderr + ran.stdout).toContain(`--impair: unknown knob "los"`)
    noStackTrace(ran)
  })
})

describe("rtsp-harness run with impairments", () => {
  it("each client's own impairment, its record beside the harness's figures, the recovery expectation judged", async () => {
    const file = join(work, "impaired.json")
    writeFileSync(file, JSON.stringify({
      name: "impaired",
      url: server.url(),
      clients: 2,
      impair: ["impair=bursty&seed=1", "none"],
      steps: [{ step: "describe" }, { step: "setup" }, { step: "play" }, { step: "wait", duration: "3s" }, { step: "teardown" }],
      expect: { recovery: { fpsMin: 19, within: "2s" } }
    }))
    const ran = await harness(["run", file])
    expect(ran.code, ran.stdout + ran.stderr).toBe(0)
    // One session asked for an impairment: its record in full (the other, left alone, prints nothing).
    expect(ran.stdout).toMatch(/server record\s+bursty, seed 1: \d+ packets/)
    expect(ran.stdout).toMatch(/  loss\s+harness (\d+)  server \1  AGREE/)
    expect(ran.stdout).toMatch(/PASS\s+recovery\s+expected back to >= 19 fps \(frames in 1 s\) within 2 s of each drop for every client/)

    const json = await harness(["run", file, "--json"])
    const result = JSON.parse(json.stdout) as { readonly serverRecords: ReadonlyArray<Record<string, unknown>> }
    // As in the table: the session left alone is not listed, so a plain run's JSON stays as it was.
    expect(result.serverRecords).toMatchObject([
      { client: 0, impairment: "impair=bursty&seed=1", serverRecord: { offered: true, profile: "bursty", seed: 1 }, agreement: { exact: true } }
    ])
    expect(result.serverRecords).toHaveLength(1)
  })
})
