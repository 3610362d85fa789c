/**
 * CPU and memory of a process and all its descendants, from /proc: a
 * cluster's primary and workers are measured as one server. A process that
 * exits during the window takes its ticks with it (the figure is then low,
 * never high).
 */
import { readdirSync, readFileSync } from "node:fs"
import { type CpuTicks, readCpuTicks, readRssKiB } from "./serverSpawn.js"

const parentOf = (pid: number): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    // Field 4 (ppid) comes right after the state, which follows the command name's ")".
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
  } catch {
    return undefined
  }
}

/** The pid and every descendant's pid, parents first. */
export const processTree = (root: number): ReadonlyArray<number> => {
  const children = new Map<number, Array<number>>()
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    const parent = parentOf(pid)
    if (parent === undefined) continue
    const siblings = children.get(parent) ?? []
    siblings.push(pid)
    children.set(parent, siblings)
  }
  const tree = [root]
  for (let i = 0; i < tree.length && tree.length < 10_000; i++) tree.push(...(children.get(tree[i]!) ?? []))
  return tree
}

const orZero = (read: () => number): number => {
  try {
    const n = read()
    return Number.isFinite(n) ? n : 0
  } catch {
    return 0 // exited between the listing and the read
  }
}

export const treeCpuTicks = (root: number): CpuTicks =>
  processTree(root).reduce(
    (sum, pid) => ({ user: sum.user + orZero(() => readCpuTicks(pid).user), system: sum.system + orZero(() => readCpuTicks(pid).system) }),
    { user: 0, system: 0 }
  )

export const treeRssKiB = (root: number): number => processTree(root).reduce((sum, pid) => sum + orZero(() => readRssKiB(pid)), 0)
