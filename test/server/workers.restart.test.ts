/**
 * `serve --workers 2` when a worker dies: SIGKILL one, and the primary logs it and forks a fresh
 * worker with the same index and RTP/RTCP pair, while the other worker's sessions go on without
 * losing a packet. A worker that keeps crashing is given up on (bounded restarts) and /healthz
 * and /metrics say so; the rest of the cluster serves on and still stops cleanly.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { nextSeq } from "../../src/protocol/rtp.js"
import { eventually } from "../support/polling.js"
import {
  type ClusterProcess,
  healthOf,
  healthUntil,
  type PlayingSession,
  playUdp,
  rtcpPackets,
  sampleValue,
  scrapeUntil,
  sequenceNumbers,
  startCluster,
  waitForLine,
  workerOwning
} from "./workersKit.js"

const VICTIM = 1
const SURVIVOR = 0

/** Sessions until both workers have at least one (round-robin deals them out in turn; bounded). */
const sessionsOnBothWorkers = (cluster: ClusterProcess) =>
  Effect.gen(function*() {
    const health = yield* healthOf(cluster)
    const sessions: Array<PlayingSession> = []
    const on = (worker: number) => sessions.filter((s) => workerOwning(health, s.serverPorts?.[0] ?? -1) === worker)
    for (let i = 0; i < 8 && (on(VICTIM).length === 0 || on(SURVIVOR).length < 2); i++) sessions.push(yield* playUdp(cluster.port))
    expect(on(SURVIVOR).length).toBeGreaterThanOrEqual(2)
    expect(on(VICTIM).length).toBeGreaterThanOrEqual(1)
    return { health, survivors: on(SURVIVOR), victims: on(VICTIM) }
  })

/** Every RTP packet from the first to the last arrived, in order: no gap in the sequence numbers. */
const contiguous = (seqs: ReadonlyArray<number>): boolean => seqs.every((seq, i) => i === 0 || seq === nextSeq(seqs[i - 1]!))

describe("serve --workers 2: a worker that dies", () => {
  it.scopedLive("is logged and replaced with the same index and RTP pair; the other worker's sessions lose nothing", () =>
    Effect.gen(function*() {
      const cluster = yield* startCluster(2)
      const { health, survivors } = yield* sessionsOnBothWorkers(cluster)
      const victim = health.workers[VICTIM]!
      yield* eventually(() => survivors.every((s) => s.rtp.received.length >= 10), 10_000)
      const before = survivors.map((s) => s.rtp.received.length)

      process.kill(victim.pid!, "SIGKILL")
      expect(yield* waitForLine(cluster, (l) => l.message === `worker ${VICTIM} exited (signal SIGKILL); replacing`)).toMatchObject({ logLevel: "WARN" })
      const replaced = yield* waitForLine(cluster, (l) => l.message.startsWith(`worker ${VICTIM} replaced: pid `))
      expect(replaced?.message).toMatch(new RegExp(`, RTP/RTCP on UDP ${victim.rtpPort}/${victim.rtcpPort}$`))

      const after = yield* healthUntil(cluster, (h) => h.workers[VICTIM]?.status === "ok")
      expect(after.status).toBe("ok")
      expect(after.workers[VICTIM]).toMatchObject({ status: "ok", restarts: 1, rtpPort: victim.rtpPort, rtcpPort: victim.rtcpPort })
      expect(after.workers[VICTIM]?.pid).not.toBe(victim.pid)
      expect(after.workers[SURVIVOR]).toMatchObject({ pid: health.workers[SURVIVOR]?.pid, restarts: 0 })

      // The survivors kept streaming through it all, every packet in sequence, and still answer.
      yield* eventually(() => survivors.every((s, i) => s.rtp.received.length >= before[i]! + 40), 10_000)
      for (const session of survivors) {
        expect(contiguous(sequenceNumbers(session.rtp))).toBe(true)
        const alive = yield* session.connection.request("GET_PARAMETER", `rtsp://127.0.0.1:${cluster.port}/movie.Mjpeg`)
        expect(alive.status).toBe(200)
      }
      const scrape = yield* scrapeUntil(cluster, (text) => sampleValue(text, `rtsp_worker_restarts_total{worker="${VICTIM}"}`) === 1)
      expect(sampleValue(scrape, `rtsp_worker_restarts_total{worker="${VICTIM}"}`)).toBe(1)
      expect(sampleValue(scrape, `rtsp_worker_restarts_total{worker="${SURVIVOR}"}`)).toBe(0)

      // New sessions reach the fresh worker on its old pair (a few tries: the primary deals them out in turn).
      const fresh: Array<PlayingSession> = []
      for (let i = 0; i < 4 && !fresh.some((s) => s.serverPorts?.[0] === victim.rtpPort); i++) fresh.push(yield* playUdp(cluster.port))
      const onFresh = fresh.find((s) => s.serverPorts?.[0] === victim.rtpPort)
      expect(onFresh).toBeDefined()
      yield* eventually(() => (onFresh?.rtp.received.length ?? 0) >= 5, 10_000)
      expect(new Set(onFresh?.rtp.received.map((d) => d.fromPort))).toEqual(new Set([victim.rtpPort]))

      cluster.kill("SIGTERM")
      expect(yield* Effect.promise(() => cluster.exit)).toEqual({ code: 0, signal: null })
      for (const session of [...survivors, onFresh!]) {
        yield* eventually(() => rtcpPackets(session.rtcp).some((p) => p._tag === "Goodbye"), 2000)
      }
    }))

  it.scopedLive("is given up on when it keeps crashing; the cluster serves on, degraded, and stops cleanly", () =>
    Effect.gen(function*() {
      const cluster = yield* startCluster(2)
      const { survivors } = yield* sessionsOnBothWorkers(cluster)
      const givenUp = (l: { readonly message: string }) => l.message.startsWith(`worker ${VICTIM} exited (signal SIGKILL), `)

      // Kill whatever process holds the slot, starting or serving, until the primary stops replacing it.
      const killed = new Set<number>()
      for (let i = 0; i < 8 && !cluster.lines().some(givenUp); i++) {
        const health = yield* healthUntil(cluster, (h) => {
          const pid = h.workers[VICTIM]?.pid
          return h.workers[VICTIM]?.status === "failed" || (pid !== undefined && !killed.has(pid))
        }, 10_000, 10)
        const pid = health.workers[VICTIM]?.pid
        if (pid === undefined) break
        killed.add(pid)
        process.kill(pid, "SIGKILL")
        yield* waitUntilExited(cluster, killed.size)
      }
      const line = yield* waitForLine(cluster, givenUp)
      expect(line?.logLevel).toBe("ERROR")
      expect(line?.message).toMatch(/, \d+ crashes within 10 s; not replacing it$/)
      expect(cluster.lines().filter((l) => l.message === `worker ${VICTIM} exited (signal SIGKILL); replacing`)).toHaveLength(killed.size - 1)

      const health = yield* healthUntil(cluster, (h) => h.workers[VICTIM]?.status === "failed")
      expect(health.status).toBe("degraded")
      expect(health.workers[VICTIM]).toMatchObject({ status: "failed", restarts: killed.size - 1 })
      expect(health.workers[VICTIM]?.pid).toBeUndefined()
      expect(health.workers[SURVIVOR]?.status).toBe("ok")
      const scrape = yield* scrapeUntil(cluster, () => true)
      expect([sampleValue(scrape, `rtsp_worker_up{worker="${SURVIVOR}"}`), sampleValue(scrape, `rtsp_worker_up{worker="${VICTIM}"}`)]).toEqual([1, 0])

      const counts = survivors.map((s) => s.rtp.received.length)
      yield* eventually(() => survivors.every((s, i) => s.rtp.received.length >= counts[i]! + 20), 10_000)

      cluster.kill("SIGTERM")
      expect(yield* Effect.promise(() => cluster.exit)).toEqual({ code: 0, signal: null })
    }))
})

/** Until the primary has logged the exit of the `count`th killed worker. */
const waitUntilExited = (cluster: ClusterProcess, count: number) =>
  eventually(() => cluster.lines().filter((l) => l.message.startsWith(`worker ${VICTIM} exited (signal SIGKILL)`)).length >= count, 10_000)
