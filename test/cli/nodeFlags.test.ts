/**
 * The server runs with RUNTIME_NODE_FLAGS, the harness with HARNESS_NODE_FLAGS: in their `#!`
 * lines (built into dist/ unchanged), in `npm start`, and the `#!` line of the built command
 * really starts it on this machine.
 */
import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { HARNESS_NODE_FLAGS, RUNTIME_NODE_FLAGS } from "../../src/common/nodeFlags.js"

const firstLine = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8").split("\n")[0]!

describe("node flags", () => {
  it.each([
    { path: "src/cli/bin.ts", flags: RUNTIME_NODE_FLAGS },
    { path: "dist/src/cli/bin.js", flags: RUNTIME_NODE_FLAGS },
    { path: "harness/bin.ts", flags: HARNESS_NODE_FLAGS },
    { path: "dist/harness/bin.js", flags: HARNESS_NODE_FLAGS }
  ])("$path starts node with its flags", ({ path, flags }) => {
    expect(firstLine(path)).toBe(`#!/usr/bin/env -S node ${flags.join(" ")}`)
  })

  it("npm start passes them", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { scripts: { start: string } }
    expect(pkg.scripts.start).toBe(`node ${RUNTIME_NODE_FLAGS.join(" ")} dist/src/cli/bin.js serve`)
  })

  it("the built command's #! line runs it", () => {
    const [interpreter, ...args] = firstLine("dist/src/cli/bin.js").slice(2).split(" ")
    const result = spawnSync(interpreter!, [...args, "dist/src/cli/bin.js", "--version"], { encoding: "utf8", timeout: 20_000 })
    expect(result.status).toBe(0)
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
  })
})
