// Builds the optional native UDP paths with the system C compiler and Node's headers:
// native/udpGso.c -> build/udp_gso.node (the server's batched GSO send) and
// native/udpReceive.c -> build/udp_receive.node (batched receive with GRO for the harness and
// the bench's load client). It never fails the install: without a compiler, headers or Linux,
// each side uses plain node:dgram and says so.
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const addons = [
  { source: "udpGso.c", name: "udp_gso", what: "native UDP send path", fallback: "the server will use plain node:dgram" },
  { source: "udpReceive.c", name: "udp_receive", what: "native UDP receive path", fallback: "the harness will receive with plain node:dgram" }
]
const skipAll = (why) => {
  for (const addon of addons) console.log(`${addon.what} not built (${why}); ${addon.fallback}`)
  process.exit(0)
}
if (process.platform !== "linux") skipAll(`${process.platform} has no UDP_SEGMENT or UDP_GRO`)
const headerDirs = [join(dirname(process.execPath), "..", "include", "node"), "/usr/include/node", "/usr/local/include/node"]
const headers = headerDirs.find((dir) => existsSync(join(dir, "node_api.h")))
if (headers === undefined) skipAll(`no node_api.h in ${headerDirs.join(", ")}`)
const compiler = process.env.CC ?? "cc"
mkdirSync(join(root, "build"), { recursive: true })
for (const addon of addons) {
  const out = join(root, "build", `${addon.name}.node`)
  try {
    execFileSync(compiler, ["-O2", "-shared", "-fPIC", "-Wall", `-DNODE_GYP_MODULE_NAME=${addon.name}`, `-I${headers}`, join(root, "native", addon.source), "-o", out], { stdio: ["ignore", "inherit", "inherit"] })
    console.log(`${addon.what} built: ${out}`)
  } catch (error) {
    console.log(`${addon.what} not built (${compiler} failed: ${error instanceof Error ? error.message : String(error)}); ${addon.fallback}`)
  }
}
