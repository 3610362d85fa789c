/**
 * `load --threads`: one scripted ground truth (a known stream over TCP interleaved, known
 * packets left out) run in one event loop (runScenario, what --threads 1 does) and over four
 * worker threads (runScenarioOnThreads) must give the same figures, and the ones the stream
 * holds. A thread that dies mid-run fails its own clients only. Workers run the built dist/
 * (test/support/buildIfStale.ts keeps it fresh).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { LiveStatus } from "../../../harness/run/liveStatus.js"
import { runScenario, startDelayMs, type ScenarioRunResult } from "../../../harness/run/runScenario.js"
import { runScenarioOnThreads, shardClients } from "../../../harness/run/threadedRun.js"
import type { Scenario } from "../../../harness/scenario/schema.js"
import { groundTruthServer, type GroundTruthOptions, truthOf } from "../../support/groundTruthStream.js"

const STREAM: GroundTruthOptions = { frames: 40, fps: 20, drop: [[7, 1], [23, 2]] }
const TRUTH = truthOf(STREAM)
const CLIENTS = 8

const scenarioAt = (port: number): Scenario => ({
  name: "ground truth",
  url: `rtsp://127.0.0.1:${port}/truth.Mjpeg`,
  transport: "tcp",
  dialect: "standard",
  clients: CLIENTS,
  rampUp: 700,
  // The wait ends at the stream's BYE; its length only bounds it.
  steps: [{ step: "describe" }, { step: "setup" }, { step: "play" }, { step: "wait", duration: 15_000 }, { step: "teardown" }],
  expect: { statuses: { DESCRIBE: 200, SETUP: 200, PLAY: 200 }, lossMaxPct: 5 }
})

/** The figures that do not depend on timing, per client and in total. */
const exactFigures = (result: ScenarioRunResult) => ({
  aggregate: {
    clients: result.aggregate.clients,
    clientsOk: result.aggregate.clientsOk,
    failureReasons: result.aggregate.failureReasons,
    framesReceived: result.aggregate.framesReceived,
    framesDropped: result.aggregate.framesDropped,
    packetsReceived: result.aggregate.packetsReceived,
    packetsExpected: result.aggregate.packetsExpected,
    packetsLost: result.aggregate.packetsLost,
    duplicates: result.aggregate.duplicates,
    reordered: result.aggregate.reordered,
    lossPct: result.aggregate.lossPct
  },
  clients: result.clients.map((c) => ({
    index: c.index,
    ok: c.ok,
    framesReceived: c.metrics?.framesReceived,
    framesDropped: c.metrics?.framesDropped,
    droppedByReason: c.metrics?.droppedByReason,
    packetsReceived: c.metrics?.packetsReceived,
    packetsLost: c.metrics?.packetsLost,
    lossPct: c.metrics?.lossPct,
    byeReceived: c.metrics?.byeReceived
  })),
  rtsp: Object.fromEntries(Object.entries(result.rtspMs).map(([method, t]) => [method, { count: t.count, statuses: t.statuses }])),
  checks: result.checks
})

const expectTruth = (result: ScenarioRunResult): void => {
  expect(result.aggregate).toMatchObject({
    clients: CLIENTS,
    clientsOk: CLIENTS,
    framesReceived: CLIENTS * TRUTH.framesReceived,
    framesDropped: CLIENTS * TRUTH.framesDropped,
    packetsReceived: CLIENTS * TRUTH.packetsSent,
    packetsExpected: CLIENTS * TRUTH.packetsExpected,
    packetsLost: CLIENTS * TRUTH.packetsLost
  })
  expect(result.ok).toBe(true)
  result.clients.forEach((client, i) => {
    expect(client.index).toBe(i)
    // The sender paces at 20 fps; arrival-based, so near it, not exact.
    expect(client.metrics?.fps).toBeGreaterThan(STREAM.fps * 0.9)
    expect(client.metrics?.fps).toBeLessThan(STREAM.fps * 1.1)
    // Timelines count from the one epoch, and no client starts before its slot of the ramp-up.
    expect(client.snapshot?.frameArrivalsMs[0]).toBeGreaterThanOrEqual(startDelayMs(result.scenario, i))
  })
}

describe("load --threads", () => {
  it("shards client i to thread i mod N", () => {
    expect(shardClients(10, 4)).toEqual([[0, 4, 8], [1, 5, 9], [2, 6], [3, 7]])
    expect(shardClients(3, 1)).toEqual([[0, 1, 2]])
  })

  it.scopedLive("the same ground truth gives the same figures in one thread and over 4 threads", () =>
    Effect.gen(function* () {
      const scenario = scenarioAt(yield* groundTruthServer(STREAM))
      const single = yield* runScenario(scenario)
      const statuses: Array<LiveStatus> = []
      const threaded = yield* runScenarioOnThreads(scenario, {
        threads: 4,
        progressEveryMs: 250,
        onProgress: (s) => Effect.sync(() => statuses.push(s))
      })
      expectTruth(single)
      expectTruth(threaded)
      expect(exactFigures(threaded)).toEqual(exactFigures(single))
      // The live line adds up the threads: every client counted once, frames never going back.
      expect(statuses.length).toBeGreaterThan(0)
      for (const [i, s] of statuses.entries()) {
        expect(s.clients).toBe(CLIENTS)
        expect(s.started).toBeLessThanOrEqual(CLIENTS)
        expect(s.framesReceived).toBeLessThanOrEqual(CLIENTS * TRUTH.framesReceived)
        expect(s.framesReceived).toBeGreaterThanOrEqual(statuses[i - 1]?.framesReceived ?? 0)
      }
    }))

  it.scopedLive("a thread that exits mid-run fails its own clients, with the reason; the other threads' results stand", () =>
    Effect.gen(function* () {
      const scenario = scenarioAt(yield* groundTruthServer(STREAM))
      const statuses: Array<LiveStatus> = []
      const result = yield* runScenarioOnThreads(scenario, {
        threads: 4,
        progressEveryMs: 250,
        onProgress: (s) => Effect.sync(() => statuses.push(s)),
        workerFile: new URL("../../support/crashingThreadWorker.mjs", import.meta.url)
      })
      const reason = "thread 1 exited: exit code 7"
      expect(result.clients.filter((c) => !c.ok).map((c) => [c.index, c.failureReason])).toEqual([[1, reason], [5, reason]])
      expect(result.aggregate).toMatchObject({
        clients: CLIENTS,
        clientsOk: CLIENTS - 2,
        failureReasons: { [reason]: 2 },
        framesReceived: (CLIENTS - 2) * TRUTH.framesReceived,
        packetsLost: (CLIENTS - 2) * TRUTH.packetsLost
      })
      expect(result.ok).toBe(false)
      expect(result.checks[0]).toMatchObject({ name: "clients completed their steps", ok: false })
      // Once the thread is gone the live line counts its clients as failed.
      expect(statuses.at(-1)?.failed).toBe(2)
    }))
})
