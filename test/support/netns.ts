/**
 * Network namespaces for the multicast tests: multicast sent on the host would leave by its
 * default route, so those tests run their processes in namespaces they create, with nothing in
 * them but loopback (and, for two namespaces, the veth pair between them). A namespace lives as
 * long as its holder (`unshare -n sleep 600`, so never longer than 10 minutes) and the processes
 * started in it; close() ends both. As root the namespace is a plain one; otherwise it sits in a
 * user namespace of its own (`unshare -r`), where the user is root enough to set up its network.
 */
import { type ChildProcess, spawn, type SpawnOptions, spawnSync } from "node:child_process"
import { readlinkSync } from "node:fs"
import { terminate } from "../../bench/childExit.js"
import { type Ran, runProcess } from "./harnessProcess.js"
import type { Tool } from "./tools.js"

/** How namespaces are made here: plain (root), or inside a user namespace (an ordinary user). */
type Mode = "plain" | "user"

const works = (command: string, args: ReadonlyArray<string>): boolean => {
  const result = spawnSync(command, args, { stdio: "ignore", timeout: 10_000 })
  return result.error === undefined && result.status === 0
}

let probed: Mode | "none" | undefined
const mode = (): Mode | "none" => {
  probed ??= !works("ip", ["-V"]) || !works("nsenter", ["--version"])
    ? "none"
    : works("unshare", ["-n", "true"]) ? "plain" : works("unshare", ["-r", "-n", "true"]) ? "user" : "none"
  return probed
}

/** Whether network namespaces can be made here (unshare, nsenter and ip from util-linux and iproute2). */
export const networkNamespaces = (): Tool => {
  const name = "network namespaces (unshare -n, nsenter: util-linux; ip: iproute2)"
  const available = mode() !== "none"
  const skip = !available && process.env.CI !== "true"
  if (skip) console.warn(`[skip] ${name} are not available here: tests that need them are skipped (under CI=true they fail)`)
  return { name, available, skip }
}

export interface NamespaceSpawnOptions extends Omit<SpawnOptions, "timeout"> {
  /** Killed (SIGKILL) after this long if still running (default 120 s). */
  readonly timeoutMs?: number
}

export interface NetworkNamespace {
  /** The holder's pid (`nsenter -t <pid>` enters the namespace). */
  readonly pid: number
  /** Starts `command` inside the namespace; bounded by `timeoutMs`, and ended by close() at the latest. */
  readonly spawn: (command: string, args: ReadonlyArray<string>, options?: NamespaceSpawnOptions) => ChildProcess
  /** Runs `command` inside the namespace to its exit; killed, and the promise rejected, after `timeoutMs`. */
  readonly run: (command: string, args: ReadonlyArray<string>, timeoutMs: number) => Promise<Ran>
  /** GETs `url` from inside the namespace (e.g. a server's /metrics there). */
  readonly fetchText: (url: string, timeoutMs: number) => Promise<{ readonly status: number; readonly body: string }>
  /** Ends every process started in it, then the holder: the namespace is gone. */
  readonly close: () => Promise<void>
}

const HOLD_SECONDS = "600"
/**
 * Joins the holder's user namespace keeping our ids (which `unshare -r` mapped to root there):
 * without --preserve-credentials nsenter calls setgroups, which that namespace denies an ordinary user.
 */
const JOIN_USER_NAMESPACE = ["-U", "--preserve-credentials"]
const DEFAULT_SPAWN_TIMEOUT_MS = 120_000
const COMMAND_TIMEOUT_MS = 10_000
const TERM_GRACE_MS = 3_000

const netNamespaceOf = (pid: number | "self"): string | undefined => {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`)
  } catch {
    return undefined
  }
}

/** Waits (bounded) until the holder is in a namespace other than ours; anything else is refused, so nothing touches the host's network. */
const awaitOwnNamespace = async (holder: ChildProcess): Promise<number> => {
  const pid = holder.pid
  const ours = netNamespaceOf("self")
  for (let i = 0; pid !== undefined && i < 100; i++) {
    const theirs = netNamespaceOf(pid)
    if (theirs !== undefined && theirs !== ours && holder.exitCode === null) return pid
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error("unshare did not enter a network namespace of its own within 2 s")
}

/**
 * Starts a holder and returns the namespace it holds. `within`: in user mode, a namespace whose
 * user namespace the new one joins, so that either can configure the link between them.
 */
const openHolder = async (within: NetworkNamespace | undefined): Promise<NetworkNamespace> => {
  const m = mode()
  if (m === "none") throw new Error("network namespaces are not available here (see networkNamespaces())")
  const unshareArgs = m === "user" && within === undefined ? ["-r", "-n", "sleep", HOLD_SECONDS] : ["-n", "sleep", HOLD_SECONDS]
  // Nested in a user namespace: the new one joins it first (nsenter -U), so it can be configured from it.
  const holder = m === "user" && within !== undefined
    ? spawn("nsenter", ["-t", String(within.pid), ...JOIN_USER_NAMESPACE, "--", "unshare", ...unshareArgs], { stdio: "ignore" })
    : spawn("unshare", unshareArgs, { stdio: "ignore" })
  holder.on("error", () => undefined)
  const children = new Set<ChildProcess>()
  const closeAll = async (): Promise<void> => {
    await Promise.all([...children].map((child) => terminate(child, TERM_GRACE_MS)))
    await terminate(holder, TERM_GRACE_MS)
  }
  let pid: number
  try {
    pid = await awaitOwnNamespace(holder)
  } catch (error) {
    await closeAll()
    throw error
  }
  const enter = (command: string, args: ReadonlyArray<string>): ReadonlyArray<string> =>
    ["-t", String(pid), ...(m === "user" ? JOIN_USER_NAMESPACE : []), "-n", "--", command, ...args]

  const namespace: NetworkNamespace = {
    pid,
    spawn: (command, args, options = {}) => {
      const { timeoutMs = DEFAULT_SPAWN_TIMEOUT_MS, ...spawnOptions } = options
      const child = spawn("nsenter", enter(command, args), spawnOptions)
      children.add(child)
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
      child.once("exit", () => {
        clearTimeout(timer)
        children.delete(child)
      })
      return child
    },
    run: (command, args, timeoutMs) => runProcess("nsenter", enter(command, args), timeoutMs, process.env, `${command} ${args.join(" ")} (in a network namespace)`),
    fetchText: async (url, timeoutMs) => {
      // The status on the first line, the body after it.
      const script = "fetch(process.argv[1], { signal: AbortSignal.timeout(Number(process.argv[2])) })" +
        ".then(async (r) => process.stdout.write(r.status + '\\n' + await r.text()))" +
        ".catch((e) => { process.stderr.write(String(e)); process.exit(1) })"
      const ran = await namespace.run(process.execPath, ["-e", script, url, String(timeoutMs)], timeoutMs + COMMAND_TIMEOUT_MS)
      const newline = ran.stdout.indexOf("\n")
      if (ran.code !== 0 || newline < 0) throw new Error(`GET ${url} in the namespace failed: ${ran.stderr.trim()}`)
      return { status: Number(ran.stdout.slice(0, newline)), body: ran.stdout.slice(newline + 1) }
    },
    close: closeAll
  }
  return namespace
}

/** Runs `ip` commands inside `namespace`, in order; throws at the first failure. */
const configure = async (namespace: NetworkNamespace, commands: ReadonlyArray<ReadonlyArray<string>>): Promise<void> => {
  for (const command of commands) {
    const ran = await namespace.run("ip", command, COMMAND_TIMEOUT_MS)
    if (ran.code !== 0) throw new Error(`ip ${command.join(" ")} failed in the namespace: ${ran.stderr.trim()}`)
  }
}

/** Multicast to any group goes out of `device` (there is no other route: no default one). */
const multicastVia = (device: string): ReadonlyArray<string> => ["route", "add", "224.0.0.0/4", "dev", device]

/**
 * One namespace with loopback only, multicast on it: a sender and receivers in it reach each
 * other through the sender's own multicast loopback (on by default; GStreamer turns it off,
 * see openLinkedNamespaces).
 */
export const openNamespace = async (): Promise<NetworkNamespace> => {
  const namespace = await openHolder(undefined)
  try {
    await configure(namespace, [["link", "set", "lo", "up"], ["link", "set", "lo", "multicast", "on"], multicastVia("lo")])
  } catch (error) {
    await namespace.close()
    throw error
  }
  return namespace
}

export interface LinkedNamespaces {
  readonly server: NetworkNamespace
  readonly viewer: NetworkNamespace
  /** The server namespace's address on the link (the viewer's RTSP goes there). */
  readonly serverAddress: string
  readonly viewerAddress: string
  readonly close: () => Promise<void>
}

const SERVER_ADDRESS = "10.213.0.1"
const VIEWER_ADDRESS = "10.213.0.2"

/**
 * Two namespaces joined by a veth pair, multicast routed onto it in both: for a sender that
 * turns its multicast loopback off (GStreamer's RTSP server does), whose receivers must be on
 * another host; the viewer namespace is that host.
 */
export const openLinkedNamespaces = async (): Promise<LinkedNamespaces> => {
  const server = await openHolder(undefined)
  const viewer = await openHolder(server).catch(async (error: unknown) => {
    await server.close()
    throw error
  })
  const close = async (): Promise<void> => {
    await Promise.all([viewer.close(), server.close()])
  }
  try {
    await configure(server, [
      ["link", "add", "mcs", "type", "veth", "peer", "name", "mcv", "netns", String(viewer.pid)],
      ["address", "add", `${SERVER_ADDRESS}/24`, "dev", "mcs"],
      ["link", "set", "mcs", "up"],
      ["link", "set", "lo", "up"],
      multicastVia("mcs")
    ])
    await configure(viewer, [
      ["address", "add", `${VIEWER_ADDRESS}/24`, "dev", "mcv"],
      ["link", "set", "mcv", "up"],
      ["link", "set", "lo", "up"],
      multicastVia("mcv")
    ])
  } catch (error) {
    await close()
    throw error
  }
  return { server, viewer, serverAddress: SERVER_ADDRESS, viewerAddress: VIEWER_ADDRESS, close }
}
