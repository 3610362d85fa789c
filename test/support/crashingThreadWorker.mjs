// A worker entry for tests of `load --threads`: the real one (the built dist copy), except that
// thread 1 exits with code 7 at the first live tick, i.e. mid-run, like a thread that crashes.
import { parentPort, workerData } from "node:worker_threads"

if (workerData.thread === 1) {
  parentPort.on("message", (message) => {
    if (message._tag === "Tick") process.exit(7)
  })
}
await import(new URL("../../dist/harness/run/threadWorker.js", import.meta.url).href)
