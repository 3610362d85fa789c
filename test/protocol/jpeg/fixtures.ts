import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const folder = fileURLToPath(new URL("../../fixtures/jpeg/", import.meta.url))

export const fixture = (name: string): Buffer => readFileSync(folder + name)

export const fixtureNames = [
  "baseline-420.jpg",
  "baseline-422.jpg",
  "baseline-444.jpg",
  "dri-420.jpg",
  "dri-422.jpg",
  "dri-420-320x240.jpg",
  "gray.jpg",
  "optimised-420.jpg",
  "progressive-420.jpg"
] as const
