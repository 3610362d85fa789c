/**
 * Finds one of the project's optional native addons (built by `npm install` into build/, see
 * scripts/buildNative.mjs). The answer is the addon, or why it cannot be used, for the log line
 * that says which path is taken.
 */
import { createRequire } from "node:module"

export const loadNativeAddon = <A>(fileName: string, isComplete: (candidate: object) => candidate is A & object): A | string => {
  const require = createRequire(import.meta.url)
  // From src/net (tests) or dist/src/net (the built server and harness) to the project's build/.
  for (const candidate of [`../../build/${fileName}`, `../../../build/${fileName}`]) {
    let addon: unknown
    try {
      addon = require(candidate)
    } catch {
      continue // Not at this depth.
    }
    if (typeof addon === "object" && addon !== null && isComplete(addon)) return addon
    return "the native addon is out of date (npm run build:native rebuilds it)"
  }
  return "the native addon is not built (npm install builds it with the system C compiler)"
}
