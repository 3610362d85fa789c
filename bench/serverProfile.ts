/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. the server under
 * BENCH_SERVER_PROFILE): the functions with the most self time, and self
 * time by file, so that a profile can be read without a browser.
 *
 *   node dist/bench/serverProfile.js <file.cpuprofile> [top=25]
 */
import { readFileSync } from "node:fs"

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly children?: ReadonlyArray<number>
}

interface CpuProfile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

interface SelfTime {
  readonly name: string
  readonly selfMs: number
  readonly pct: number
}

interface ProfileSummary {
  readonly totalMs: number
  readonly functions: ReadonlyArray<SelfTime>
  readonly files: ReadonlyArray<SelfTime>
}

/** Shortens node_modules and dist paths so a line stays readable. */
const shortUrl = (url: string): string => {
  const nm = url.lastIndexOf("node_modules/")
  if (nm >= 0) return url.slice(nm + "node_modules/".length)
  const dist = url.lastIndexOf("/dist/")
  if (dist >= 0) return url.slice(dist + "/dist/".length)
  return url.replace(/^file:\/\//, "")
}

const top = (totals: ReadonlyMap<string, number>, totalMs: number, count: number): Array<SelfTime> =>
  [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => ({ name, selfMs: Math.round(us / 1000), pct: Number(((us / 1000 / totalMs) * 100).toFixed(1)) }))

const summarizeProfile = (profile: CpuProfile, count: number): ProfileSummary => {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfUs = new Map<number, number>()
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
  const functions = new Map<string, number>()
  const files = new Map<string, number>()
  let totalUs = 0
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame
    if (!frame) continue
    totalUs += us
    const file = frame.url === "" ? "(native)" : shortUrl(frame.url)
    const name = `${frame.functionName || "(anonymous)"} ${file}${frame.url === "" ? "" : `:${frame.lineNumber + 1}`}`
    functions.set(name, (functions.get(name) ?? 0) + us)
    files.set(file, (files.get(file) ?? 0) + us)
  }
  const totalMs = totalUs / 1000
  return { totalMs: Math.round(totalMs), functions: top(functions, totalMs, count), files: top(files, totalMs, count) }
}

const file = process.argv[2]
if (file === undefined) {
  console.error("usage: node dist/bench/serverProfile.js <file.cpuprofile> [top]")
  process.exit(2)
}
const count = Number(process.argv[3] ?? "25")
const summary = summarizeProfile(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, Number.isInteger(count) && count > 0 ? count : 25)
console.log(`total sampled ${summary.totalMs} ms`)
console.log("self time by function:")
for (const f of summary.functions) console.log(`  ${String(f.pct).padStart(5)} %  ${String(f.selfMs).padStart(7)} ms  ${f.name}`)
console.log("self time by file:")
for (const f of summary.files) console.log(`  ${String(f.pct).padStart(5)} %  ${String(f.selfMs).padStart(7)} ms  ${f.name}`)
