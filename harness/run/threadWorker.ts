/**
 * A worker thread of `load --threads N` (a program edge, started by threadedRun.ts from the
 * built dist/): runs its share of the scenario's clients with scenarioClients, answers the main
 * thread's ticks with its raw live counters, and posts its clients' results when they are done.
 * It is a program edge, run with NodeRuntime.runMain like the commands: an error escaping the
 * run is logged and ends the thread with status 1, which the main thread reports for its clients.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { parentPort, workerData } from "node:worker_threads"
import { emptyLiveSums, type LiveSums } from "./liveStatus.js"
import { scenarioClients } from "./runScenario.js"
import { type FromThread, fromUnixMs, type ThreadInput, type ToThread } from "./threadProtocol.js"

const port = parentPort
if (port === null) throw new Error("threadWorker.js runs as a worker thread of rtsp-harness load --threads")
// Typed by the protocol: the main thread built it from ThreadInput.
const input = workerData as ThreadInput
const post = (message: FromThread): void => port.postMessage(message)

let liveSums: () => LiveSums = () => ({ ...emptyLiveSums, clients: input.clientIndices.length })

const start = (epochUnixMs: number): void => {
  const clients = scenarioClients(input.scenario, { ...input.settings, clientIndices: input.clientIndices, epochMs: fromUnixMs(epochUnixMs) })
  liveSums = clients.liveSums
  // Posting happens inside the effect, so a result that cannot be cloned fails the run like any defect.
  const run = clients.run.pipe(Effect.flatMap((runs) => Effect.sync(() => post({ _tag: "Done", clients: runs }))))
  NodeRuntime.runMain(run)
}

port.on("message", (message: ToThread) => {
  switch (message._tag) {
    case "Start":
      start(message.epochUnixMs)
      break
    case "Tick":
      post({ _tag: "Counters", seq: message.seq, sums: liveSums() })
      break
  }
})
post({ _tag: "Ready" })
