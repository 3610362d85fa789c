/** The pure parts of `serve --workers`: counts, ports, restart policy, the worker's env, summed metrics, cluster health, log prefix, ready line. */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { defaultServerConfig } from "../../src/server/config.js"
import { withMessagePrefix } from "../../src/server/logging.js"
import { exposedFamilies, makeServerMetrics, renderFamilies, sumSnapshots } from "../../src/server/Metrics.js"
import { publishingLine, readyLine } from "../../src/server/readyLine.js"
import { clusterHealth, type ClusterHealth, renderClusterMetrics } from "../../src/server/workers/clusterReadings.js"
import { decideRestart } from "../../src/server/workers/restartPolicy.js"
import type { WorkerReading } from "../../src/server/workers/Supervisor.js"
import { parseWorkerCount } from "../../src/server/workers/workerCount.js"
import { readWorkerEnv, WORKER_INDEX_ENV, WORKER_SETTINGS_ENV, workerEnv } from "../../src/server/workers/workerEnv.js"
import { workerPortsProblem, workerRtpPort } from "../../src/server/workers/workerPorts.js"
import { receiveReport, sendFrames, startSession } from "./meteredSessions.js"

describe("parseWorkerCount", () => {
  it.each([["1", 1], ["2", 2], [" 16 ", 16], ["256", 256], ["auto", 6], ["AUTO", 6]] as const)("reads %j", (text, expected) => {
    expect(parseWorkerCount(text, 6)).toEqual(Either.right(expected))
  })

  it("auto is at least 1 and at most the bound", () => {
    expect(parseWorkerCount("auto", 0)).toEqual(Either.right(1))
    expect(parseWorkerCount("auto", 1000)).toEqual(Either.right(256))
  })

  it.each(["0", "x", "-1", "1.5", "257", "", "2 workers"])("refuses %j, saying what it takes", (text) => {
    expect(parseWorkerCount(text, 4)).toEqual(Either.left(`must be auto (one per core) or a whole number from 1 to 256, got "${text}"`))
  })
})

describe("worker RTP ports", () => {
  it("worker i takes --rtp-port + 2·i; 0 stays 0 (each worker binds a free pair)", () => {
    expect([0, 1, 2].map((i) => workerRtpPort(6970, i))).toEqual([6970, 6972, 6974])
    expect([0, 1].map((i) => workerRtpPort(0, i))).toEqual([0, 0])
  })

  it("refuses a base that leaves the last worker's RTCP port past 65535", () => {
    expect(workerPortsProblem(65532, 2)).toBeUndefined()
    expect(workerPortsProblem(65534, 2)).toBe("--rtp-port 65534 leaves no room for 2 workers: worker 1 would need UDP 65536/65537")
    expect(workerPortsProblem(0, 256)).toBeUndefined()
  })
})

describe("decideRestart", () => {
  const policy = { maxRestarts: 3, windowMs: 10_000 }

  it("replaces up to maxRestarts crashes within the window, then gives up", () => {
    let crashes: ReadonlyArray<number> = []
    const replaced = [1000, 2000, 3000, 4000].map((at) => {
      const decision = decideRestart(policy, crashes, at)
      crashes = decision.recentCrashes
      return decision.replace
    })
    expect(replaced).toEqual([true, true, true, false])
  })

  it("forgets crashes older than the window", () => {
    const decision = decideRestart(policy, [0, 1000, 2000], 12_500)
    expect(decision).toEqual({ replace: true, recentCrashes: [12_500] })
    expect(decideRestart(policy, [3000, 4000, 5000], 12_500).replace).toBe(false)
  })
})

describe("the worker's environment", () => {
  const logging = { level: "debug", format: "json" } as const

  it("carries the index and the settings, undefined values included", () => {
    for (const server of [defaultServerConfig, { ...defaultServerConfig, fps: 12.5, httpPort: 9100, rtpPort: 0, udpBatching: false }]) {
      expect(readWorkerEnv(workerEnv({ index: 3, server, logging }))).toEqual(Either.right({ index: 3, server, logging }))
    }
  })

  it("leaves the message prefix out (the worker sets its own)", () => {
    const env = workerEnv({ index: 0, server: defaultServerConfig, logging: { ...logging, messagePrefix: "x: " } })
    expect(Either.map(readWorkerEnv(env), (s) => s.logging)).toEqual(Either.right(logging))
  })

  it("says what is wrong with a missing or bad environment", () => {
    const good = workerEnv({ index: 1, server: defaultServerConfig, logging })
    expect(readWorkerEnv({})).toEqual(Either.left(`${WORKER_INDEX_ENV} must be a worker index, got null`))
    expect(readWorkerEnv({ [WORKER_INDEX_ENV]: "1" })).toEqual(Either.left(`${WORKER_SETTINGS_ENV} is not set`))
    const wrongType = readWorkerEnv({ ...good, [WORKER_SETTINGS_ENV]: JSON.stringify({ server: { ...defaultServerConfig, port: "8554" }, logging }) })
    expect(Either.isLeft(wrongType) && wrongType.left.includes("port")).toBe(true)
    expect(Either.isLeft(readWorkerEnv({ ...good, [WORKER_SETTINGS_ENV]: "{not json" }))).toBe(true)
  })
})

/** Two workers' metrics with some traffic each. */
const twoWorkers = () => {
  const a = makeServerMetrics()
  const b = makeServerMetrics()
  a.connectionOpened()
  b.connectionOpened()
  b.connectionOpened()
  a.request("SETUP")
  b.request("SETUP")
  b.request("BREW")
  a.response(200)
  b.response(454)
  const s1 = startSession(a, "S1", "standard", "udp")
  s1.state = "playing"
  const s2 = startSession(b, "S2", "classic", "tcp")
  sendFrames(a, s1, 2, 20, 30_000)
  sendFrames(b, s2, 1, 1, 9_000)
  receiveReport(a, s1, { fractionLost: 0.5, cumulativeLost: 1, jitterSeconds: 0.001 })
  a.readUdpSendPath(() => "gso")
  b.readUdpSendPath(() => "plain")
  return { a, b }
}

describe("sumSnapshots", () => {
  it("of one snapshot renders exactly what that server renders", () => {
    const { a, b } = twoWorkers()
    for (const m of [a, b, makeServerMetrics()]) {
      expect(renderFamilies(exposedFamilies([{ labels: [], snapshot: sumSnapshots([m.expositionSnapshot()]) }]))).toBe(m.render())
    }
  })

  it("adds counts and gauges, merges the labelled counts, keeps every live session, counts servers per send path", () => {
    const { a, b } = twoWorkers()
    const sum = sumSnapshots([a.expositionSnapshot(), b.expositionSnapshot()])
    expect(sum).toMatchObject({
      connections: 3,
      sessionsByState: { init: 0, ready: 1, playing: 1, recording: 0 },
      framesSent: 3,
      packetsSent: 21,
      bytesSent: 39_000,
      rtcpReceiverReports: 1,
      sessionsStarted: 2,
      requests: { SETUP: 2, other: 1 },
      responses: { "200": 1, "454": 1 },
      sessionsStartedBy: { standard: { udp: 1, tcp: 0 }, classic: { udp: 0, tcp: 1 } },
      udpSendPaths: { gso: 1, plain: 1 }
    })
    expect(Object.keys(sum.sessions).sort()).toEqual(["S1", "S2"])
    expect(sumSnapshots([])).toMatchObject({ connections: 0, sessions: {}, requests: {} })
    expect(sumSnapshots([]).udpSendPaths).toBeUndefined()
  })
})

const reading = (index: number, over: Partial<WorkerReading>): WorkerReading => ({
  index,
  state: "ready",
  pid: 100 + index,
  restarts: 0,
  ready: { pid: 100 + index, port: 8554, rtpPort: 6970 + 2 * index, rtcpPort: 6971 + 2 * index, udpSendPath: "gso" },
  snapshot: undefined,
  ...over
})

describe("renderClusterMetrics", () => {
  it("renders each family once: the sum over the workers that answered, then each worker's series, then who answered", () => {
    const { a, b } = twoWorkers()
    const text = renderClusterMetrics([
      reading(0, { snapshot: a.expositionSnapshot() }),
      reading(1, { snapshot: b.expositionSnapshot(), restarts: 2 }),
      reading(2, {}) // alive but silent: in no sum
    ])
    const lines = text.split("\n")
    const types = lines.filter((l) => l.startsWith("# TYPE "))
    expect(new Set(types).size).toBe(types.length)
    const connections = lines.filter((l) => l.startsWith("rtsp_connections"))
    expect(connections).toEqual(["rtsp_connections 3", "rtsp_connections{worker=\"0\"} 1", "rtsp_connections{worker=\"1\"} 2"])
    expect(lines).toContain("rtsp_requests_total{method=\"other\"} 1")
    expect(lines).toContain("rtsp_requests_total{worker=\"1\",method=\"other\"} 1")
    expect(lines).toContain("rtsp_rtcp_fraction_lost{session=\"S1\"} 0.5")
    expect(lines).toContain("rtsp_rtcp_fraction_lost{worker=\"0\",session=\"S1\"} 0.5")
    expect(lines).toContain("rtsp_udp_send_path{path=\"gso\"} 1")
    expect(lines).toContain("rtsp_udp_send_path{worker=\"1\",path=\"plain\"} 1")
    expect(lines.filter((l) => l.startsWith("rtsp_worker_up"))).toEqual([
      "rtsp_worker_up{worker=\"0\"} 1",
      "rtsp_worker_up{worker=\"1\"} 1",
      "rtsp_worker_up{worker=\"2\"} 0"
    ])
    expect(lines).toContain("rtsp_worker_restarts_total{worker=\"1\"} 2")
    expect(text.endsWith("\n")).toBe(true)
  })
})

describe("clusterHealth", () => {
  const snapshot = () => twoWorkers().a.expositionSnapshot()

  it("is ok when every worker answered, with the totals and each worker", () => {
    const answer = clusterHealth([reading(0, { snapshot: snapshot() }), reading(1, { snapshot: snapshot() })], 7)
    expect(answer.httpStatus).toBe(200)
    const body = answer.body as ClusterHealth
    expect(body).toMatchObject({ status: "ok", uptimeSeconds: 7, connections: 2, sessions: 2 })
    expect(body.workers[1]).toEqual({ worker: 1, status: "ok", pid: 101, restarts: 0, rtpPort: 6972, rtcpPort: 6973, connections: 1, sessions: 1 })
  })

  it("is degraded when some did not answer, naming why; down (503) when none did", () => {
    const degraded = clusterHealth([
      reading(0, { snapshot: snapshot() }),
      reading(1, {}),
      reading(2, { state: "starting", ready: undefined }),
      reading(3, { state: "failed", pid: undefined, restarts: 3 })
    ], 0)
    expect(degraded.httpStatus).toBe(200)
    const body = degraded.body as ClusterHealth
    expect(body.status).toBe("degraded")
    expect(body.workers.map((w) => w.status)).toEqual(["ok", "unresponsive", "starting", "failed"])
    expect(body.workers[3]).not.toHaveProperty("pid")
    const down = clusterHealth([reading(0, {}), reading(1, { state: "failed" })], 0)
    expect([down.httpStatus, (down.body as ClusterHealth).status]).toEqual([503, "down"])
  })
})

describe("log lines", () => {
  it("a worker's prefix joins the first text of a message", () => {
    expect(withMessagePrefix("worker 1: ", ["listening", 2])).toEqual(["worker 1: listening", 2])
    expect(withMessagePrefix("worker 1: ", "listening")).toEqual(["worker 1: listening"])
    expect(withMessagePrefix("worker 1: ", [{ a: 1 }])).toEqual(["worker 1:", { a: 1 }])
    expect(withMessagePrefix("worker 1: ", [])).toEqual(["worker 1:"])
  })

  it("with --publish, one line after it says who may publish and where a path goes", () => {
    expect(publishingLine("0.0.0.0", 8554, ["127.0.0.0/8", "::1/128"])).toBe("publishing: ANNOUNCE a path of your choice, e.g. rtsp://127.0.0.1:8554/live/cam, from 127.0.0.0/8, ::1/128")
    expect(publishingLine("::1", 9554, ["10.0.0.0/8"])).toBe("publishing: ANNOUNCE a path of your choice, e.g. rtsp://[::1]:9554/live/cam, from 10.0.0.0/8")
  })

  it("the ready line: one server as before, a cluster with each worker's pair", () => {
    expect(readyLine("127.0.0.1", 8554, [{ rtpPort: 6970, rtcpPort: 6971 }])).toBe("RTSP server listening on 127.0.0.1:8554, RTP/RTCP on UDP 6970/6971")
    expect(readyLine("0.0.0.0", 8554, [{ rtpPort: 6970, rtcpPort: 6971, worker: 0 }, { rtpPort: 6972, rtcpPort: 6973, worker: 1 }])).toBe(
      "RTSP server listening on 0.0.0.0:8554, RTP/RTCP on UDP 6970/6971 (worker 0), 6972/6973 (worker 1)"
    )
  })
})
