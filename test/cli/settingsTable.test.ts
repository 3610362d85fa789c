/** The README's one table of settings names every row of the settings table: flag, variable and place in the config file. */
import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { SETTING_KEYS } from "../../src/cli/config/settingKeys.js"

describe("the README's settings table", () => {
  const rows = readFileSync("README.md", "utf8").split("\n").filter((line) => line.startsWith("| `--"))
  it.each(SETTING_KEYS.map((key) => [key.flag, key] as const))("lists %s with its variable and its place in the file", (_flag, key) => {
    const row = rows.find((line) => line.startsWith(`| \`${key.flag}`) && line.includes(`\`${key.env}\``))
    expect(row).toBeDefined()
    expect(row).toContain(`\`${key.path}\``)
  })
})
