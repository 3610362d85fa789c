/**
 * vitest global setup: the process-level tests run the built CLI
 * (dist/), exactly what users run. Rebuild it when any source is newer, so
 * those tests never exercise stale code.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"

const newestSource = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name)
    const mtime = entry.isDirectory() ? newestSource(path) : entry.name.endsWith(".ts") ? statSync(path).mtimeMs : 0
    return Math.max(newest, mtime)
  }, 0)

export default function setup(): void {
  const built = "dist/src/cli/bin.js"
  const sources = Math.max(...["src", "harness", "bench"].filter(existsSync).map(newestSource))
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" })
}
