// Builds the optional native UDP send path (native/udpGso.c -> build/udp_gso.node) with the
// system C compiler and Node's headers. It never fails the install: without a compiler, headers
// or Linux, the server uses plain node:dgram and says so at start.
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const out = join(root, "build", "udp_gso.node")
const skip = (why) => {
  console.log(`native UDP send path not built (${why}); the server will use plain node:dgram`)
  process.exit(0)
}
if (process.platform !== "linux") skip(`${process.platform} has no UDP_SEGMENT`)
const headerDirs = [join(dirname(process.execPath), "..", "include", "node"), "/usr/include/node", "/usr/local/include/node"]
const headers = headerDirs.find((dir) => existsSync(join(dir, "node_api.h")))
if (headers === undefined) skip(`no node_api.h in ${headerDirs.join(", ")}`)
const compiler = process.env.CC ?? "cc"
mkdirSync(dirname(out), { recursive: true })
try {
  execFileSync(compiler, ["-O2", "-shared", "-fPIC", "-Wall", "-DNODE_GYP_MODULE_NAME=udp_gso", `-I${headers}`, join(root, "native", "udpGso.c"), "-o", out], { stdio: ["ignore", "inherit", "inherit"] })
  console.log(`native UDP send path built: ${out}`)
} catch (error) {
  skip(`${compiler} failed: ${error instanceof Error ? error.message : String(error)}`)
}
