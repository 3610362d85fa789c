/**
 * The scenarios that ship in the package, as JSON files in harness/scenarios/
 * at the package root. Paths are resolved from this module's own location so
 * they work both from sources (harness/scenario/builtins.ts) and from the
 * build (dist/harness/scenario/builtins.js); the JSON is not copied to dist.
 */
import { dirname, basename, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

export const builtinScenarioNames = ["smoke", "pause-resume", "seek", "classic-lab", "load-100"] as const
export type BuiltinScenarioName = (typeof builtinScenarioNames)[number]

export const isBuiltinScenarioName = (name: string): name is BuiltinScenarioName =>
  (builtinScenarioNames as ReadonlyArray<string>).includes(name)

/** <root>/harness/scenario or <root>/dist/harness/scenario -> <root>. */
export const packageRootFrom = (moduleDir: string): string => {
  const twoUp = resolve(moduleDir, "..", "..")
  return basename(twoUp) === "dist" ? dirname(twoUp) : twoUp
}

export const builtinScenariosDir: string = join(
  packageRootFrom(dirname(fileURLToPath(import.meta.url))),
  "harness",
  "scenarios"
)

/** Absolute path of a built-in scenario's JSON file. */
export const builtinScenarioPath = (name: BuiltinScenarioName): string => join(builtinScenariosDir, `${name}.json`)
