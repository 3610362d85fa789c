import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import {
  builtinScenarioNames,
  builtinScenarioPath,
  builtinScenariosDir,
  isBuiltinScenarioName,
  packageRootFrom
} from "../../../harness/scenario/builtins.js"
import { decodeScenario } from "../../../harness/scenario/decode.js"
import type { Scenario } from "../../../harness/scenario/schema.js"

const packageRoot = resolve(import.meta.dirname, "..", "..", "..")

const load = (name: (typeof builtinScenarioNames)[number]): Scenario => {
  const path = builtinScenarioPath(name)
  const result = decodeScenario(readFileSync(path, "utf8"), path)
  if (Either.isLeft(result)) throw new Error(result.left.message)
  return result.right
}

describe("built-in scenarios", () => {
  it("live in harness/scenarios at the package root, one file per name and no others", () => {
    expect(builtinScenariosDir).toBe(join(packageRoot, "harness", "scenarios"))
    const files = readdirSync(builtinScenariosDir).filter((f) => f.endsWith(".json")).sort()
    expect(files).toStrictEqual(builtinScenarioNames.map((n) => `${n}.json`).sort())
  })

  it.each(builtinScenarioNames)("%s decodes, and its name matches its file", (name) => {
    expect(existsSync(builtinScenarioPath(name))).toBe(true)
    const scenario = load(name)
    expect(scenario.name).toBe(name)
    expect(scenario.description?.length ?? 0).toBeGreaterThan(0)
    expect(scenario.url).toBe("rtsp://127.0.0.1:8554/movie.Mjpeg")
  })

  it("classic-lab speaks the classic dialect over UDP", () => {
    const scenario = load("classic-lab")
    expect(scenario.dialect).toBe("classic")
    expect(scenario.transport).toBe("udp")
  })

  it("load-100 starts 100 clients over 5 s, plays 10 s, wants 19 fps and under 0.1% loss", () => {
    const scenario = load("load-100")
    expect(scenario.clients).toBe(100)
    expect(scenario.rampUp).toBe(5000)
    expect(scenario.steps).toContainEqual({ step: "wait", duration: 10_000 })
    expect(scenario.expect?.fpsMin).toBe(19)
    expect(scenario.expect?.lossMaxPct).toBe(0.1)
  })

  it("seek plays with ranges and pause-resume pauses", () => {
    expect(load("seek").steps.some((s) => s.step === "play" && s.range !== undefined)).toBe(true)
    expect(load("pause-resume").steps.map((s) => s.step)).toContain("pause")
  })

  it("isBuiltinScenarioName knows the names and nothing else", () => {
    for (const name of builtinScenarioNames) expect(isBuiltinScenarioName(name)).toBe(true)
    expect(isBuiltinScenarioName("nope")).toBe(false)
    expect(isBuiltinScenarioName("../smoke")).toBe(false)
  })
})

describe("packageRootFrom", () => {
  it("finds the package root from sources and from the build", () => {
    expect(packageRootFrom("/pkg/harness/scenario")).toBe("/pkg")
    expect(packageRootFrom("/pkg/dist/harness/scenario")).toBe("/pkg")
  })
})
