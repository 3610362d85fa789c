/**
 * The server's counters and gauges, bumped on the hot path with plain
 * synchronous calls (no Effect per frame or packet) and rendered on demand in
 * the Prometheus text exposition format 0.0.4.
 *
 * Label values are bounded so a client cannot grow the output: methods outside
 * the RTSP method set count as "other", session ids are the server's own and
 * a session's series disappear when it ends.
 */
import { Context, Layer } from "effect"
import {
  type Dialect,
  DIALECTS,
  RTSP_METHODS,
  SESSION_STATES,
  type SessionState,
  TRANSPORT_KINDS,
  type TransportKind
} from "../protocol/rtsp/vocabulary.js"
import { type SessionStats, transportKind } from "./session.js"
import { impairmentFamilies } from "./impairmentFamilies.js"
import { addProfileMetrics, type ImpairmentProfileMetrics } from "./impairmentTally.js"

/** The latest RTCP receiver report of a session. */
export interface ReceiverReportMetrics {
  /** Fraction lost since the previous report as a ratio 0..1 (the RR's 8-bit field / 256). */
  readonly fractionLost: number
  readonly cumulativeLost: number
  /** Interarrival jitter in seconds (the RR's jitter over the RTP clock rate). */
  readonly jitterSeconds: number
}

/**
 * What metrics read of a live session. The session owns its counters and
 * state (the server's Session has this shape); metrics keep a reference,
 * never a copy, so there is one owner per fact.
 */
export interface MeteredSession {
  readonly id: string
  readonly dialect: Dialect
  /** The URL path it plays or records (live channels count their viewers by it). */
  readonly path: string
  readonly state: SessionState
  readonly transport: { readonly _tag: "Udp" | "Interleaved" | "Multicast" }
  readonly stats: Readonly<SessionStats>
}

export interface SessionMetricsSnapshot {
  readonly dialect: Dialect
  readonly transport: TransportKind
  readonly state: SessionState
  readonly framesSent: number
  readonly packetsSent: number
  readonly bytesSent: number
  readonly framesDropped: number
  readonly receiverReports: number
  /** undefined until the first receiver report arrives. */
  readonly lastReceiverReport: ReceiverReportMetrics | undefined
}

export interface MetricsSnapshot {
  readonly connections: number
  readonly sessionsByState: Readonly<Record<SessionState, number>>
  readonly framesSent: number
  readonly packetsSent: number
  readonly bytesSent: number
  readonly framesDropped: number
  readonly rtcpReceiverReports: number
  readonly sessionsStarted: number
  /** Sessions ended, by reason. */
  readonly sessionsEnded: Readonly<Record<string, number>>
  /** Requests by method (unknown methods as "other"). */
  readonly requests: Readonly<Record<string, number>>
  /** Responses by status code. */
  readonly responses: Readonly<Record<string, number>>
  /** Live sessions by id. */
  readonly sessions: Readonly<Record<string, SessionMetricsSnapshot>>
  /** How RTP leaves the server ("gso" or "plain"), once a server has told metrics where to read it. */
  readonly udpSendPath?: UdpSendPathName
  /** Sessions playing each live channel, once a server with live channels has named them. */
  readonly liveViewers?: Readonly<Record<string, number>>
  /** Each published path's figures, by path, once a server that takes publishers has said where to read them. */
  readonly published?: Readonly<Record<string, PublishedPathMetrics>>
  /** The multicast groups in use, by path, once a server with multicast on has said where to read them. */
  readonly multicast?: Readonly<Record<string, MulticastGroupMetrics>>
  /** What impairments did, by profile, once a server has said where to read it and a profile was used. */
  readonly impairments?: Readonly<Record<string, ImpairmentProfileMetrics>>
  /** What guards the server's door refused or saw, by family and then by label (GUARD_FAMILIES). */
  readonly guards: Readonly<Record<GuardFamily, Readonly<Record<string, number>>>>
}

/**
 * Counter families of the server's guards, each with its one label: authentication failures by
 * reason, TLS handshakes by result, limit refusals by kind.
 */
export const GUARD_FAMILIES = {
  authFailures: { name: "rtsp_auth_failures_total", label: "reason", help: "Requests whose credentials were refused, by reason." },
  tlsHandshakes: { name: "rtsp_tls_handshakes_total", label: "result", help: "TLS handshakes on the RTSPS port, by result." },
  limitRefusals: { name: "rtsp_limit_refusals_total", label: "kind", help: "Connections and requests refused or closed by a limit, by kind." }
} as const

export type GuardFamily = keyof typeof GUARD_FAMILIES

const GUARD_FAMILY_KEYS = Object.keys(GUARD_FAMILIES) as ReadonlyArray<GuardFamily>

/** What /metrics shows of one multicast group. */
export interface MulticastGroupMetrics {
  /** Its address and RTP port, "239.255.42.1:8002". */
  readonly group: string
  /** Sessions set up on it. */
  readonly members: number
  /** Of them, those playing. */
  readonly playing: number
  /** RTP packets the group sent: one send each, however many members. */
  readonly packetsSent: number
}

/** What /metrics shows of one published path. */
export interface PublishedPathMetrics {
  /** 1 while its publisher records, 0 while only announced. */
  readonly recording: number
  /** Viewer sessions playing it. */
  readonly viewers: number
  readonly framesIn: number
  /** Frames sent to viewers, one per viewer per frame. */
  readonly framesOut: number
  /** Frames a slow viewer's queue could not take. */
  readonly framesDropped: number
  /** Publisher frames refused, by reason. */
  readonly rejected: Readonly<Record<string, number>>
}

export type UdpSendPathName = "gso" | "plain"

/**
 * Everything the exposition is rendered from, as plain data: the snapshot plus the
 * breakdowns only the exposition shows. Plain data so it can cross processes (a cluster
 * worker's answer to its primary) and be summed (sumSnapshots).
 */
export interface ExpositionSnapshot extends Omit<MetricsSnapshot, "udpSendPath"> {
  /** Sessions created, by dialect and transport. */
  readonly sessionsStartedBy: Readonly<Record<Dialect, Readonly<Record<TransportKind, number>>>>
  /** Servers on each UDP send path: one server has 1 on the path in use, a sum counts servers. Absent until known. */
  readonly udpSendPaths?: Readonly<Record<UdpSendPathName, number>>
}

/**
 * Server-wide counters (they outlive sessions) are bumped here; per-session
 * figures are read from the sessions themselves when rendered.
 */
export interface ServerMetrics {
  readonly connectionOpened: () => void
  readonly connectionClosed: () => void
  readonly request: (method: string) => void
  readonly response: (statusCode: number) => void
  /** A new live session; a second call for the same id is ignored. */
  readonly sessionStarted: (session: MeteredSession) => void
  /** Ends a live session (its per-session series go away); a second call for the same id is ignored. */
  readonly sessionEnded: (sessionId: string, reason: string) => void
  /** Server totals: frames, packets and bytes that went out. */
  readonly framesSent: (frames: number, packets: number, bytes: number) => void
  readonly framesDropped: (frames: number) => void
  /** Server total: one more receiver report arrived. */
  readonly receiverReport: () => void
  /** Where the server's current UDP send path can be read (it can fall back while running). */
  readonly readUdpSendPath: (read: () => UdpSendPathName) => void
  /** The server's live channels (their URL paths), whose playing sessions are counted per channel. */
  readonly liveChannels: (paths: ReadonlySet<string>) => void
  /** Where the published paths' figures can be read (a server with --publish). */
  readonly readPublished: (read: () => Readonly<Record<string, PublishedPathMetrics>>) => void
  /** Where the multicast groups' figures can be read (a server with multicast on). */
  readonly readMulticast: (read: () => Readonly<Record<string, MulticastGroupMetrics>>) => void
  /** Where the impairments' figures by profile can be read. */
  readonly readImpairments: (read: () => Readonly<Record<string, ImpairmentProfileMetrics>>) => void
  /** One more event of a guard family under `label` (an auth failure's reason, a handshake's result, a refused limit's kind). */
  readonly guard: (family: GuardFamily, label: string) => void
  readonly snapshot: () => MetricsSnapshot
  /** What render() renders, as plain data. */
  readonly expositionSnapshot: () => ExpositionSnapshot
  /** Prometheus text exposition format 0.0.4 */
  readonly render: () => string
}

export class Metrics extends Context.Tag("effect-rtsp/Metrics")<Metrics, ServerMetrics>() {}

/** Methods counted under their own label; anything else is "other". */
export const KNOWN_METHODS: ReadonlySet<string> = new Set(RTSP_METHODS)

const UDP_SEND_PATHS: ReadonlyArray<UdpSendPathName> = ["gso", "plain"]

/** The label order of the exposition: classic before standard. */
const DIALECT_LABELS: ReadonlyArray<Dialect> = [...DIALECTS].sort()

const lastReceiverReport = (stats: Readonly<SessionStats>): ReceiverReportMetrics | undefined =>
  stats.receiverReports === 0
    ? undefined
    : { fractionLost: stats.fractionLost, cumulativeLost: stats.cumulativeLost, jitterSeconds: stats.jitterSeconds }

const sessionSnapshot = (session: MeteredSession): SessionMetricsSnapshot => ({
  dialect: session.dialect,
  transport: transportKind(session.transport),
  state: session.state,
  framesSent: session.stats.framesSent,
  packetsSent: session.stats.packetsSent,
  bytesSent: session.stats.octetsSent,
  framesDropped: session.stats.framesDropped,
  receiverReports: session.stats.receiverReports,
  lastReceiverReport: lastReceiverReport(session.stats)
})

const increment = (counts: Map<string, number>, key: string, by = 1): void => {
  counts.set(key, (counts.get(key) ?? 0) + by)
}

const sortedRecord = (counts: ReadonlyMap<string, number>): Record<string, number> =>
  Object.fromEntries([...counts.entries()].sort(([a], [b]) => compareStrings(a, b)))

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

export const makeServerMetrics = (): ServerMetrics => {
  let connections = 0
  let framesSent = 0
  let packetsSent = 0
  let bytesSent = 0
  let framesDropped = 0
  let receiverReports = 0
  const started = new Map<string, number>() // key: `${dialect} ${transport}`
  const ended = new Map<string, number>()
  const requests = new Map<string, number>()
  const responses = new Map<string, number>()
  const sessions = new Map<string, MeteredSession>()
  const guards = new Map<GuardFamily, Map<string, number>>(GUARD_FAMILY_KEYS.map((family) => [family, new Map()]))
  let sendPath: (() => UdpSendPathName) | undefined
  let livePaths: ReadonlySet<string> = new Set()
  let published: (() => Readonly<Record<string, PublishedPathMetrics>>) | undefined
  let multicast: (() => Readonly<Record<string, MulticastGroupMetrics>>) | undefined
  let impairments: (() => Readonly<Record<string, ImpairmentProfileMetrics>>) | undefined

  const countByState = (): Record<SessionState, number> => {
    const counts: Record<SessionState, number> = { init: 0, ready: 0, playing: 0, recording: 0 }
    for (const session of sessions.values()) counts[session.state]++
    return counts
  }

  const liveViewers = (): Record<string, number> => {
    const counts = new Map([...livePaths].map((path) => [path, 0]))
    for (const session of sessions.values()) {
      const n = counts.get(session.path)
      if (n !== undefined && session.state === "playing") counts.set(session.path, n + 1)
    }
    return sortedRecord(counts)
  }

  const usedImpairments = (): Readonly<Record<string, ImpairmentProfileMetrics>> | undefined => {
    const figures = impairments?.()
    return figures === undefined || Object.keys(figures).length === 0 ? undefined : figures
  }

  const snapshot = (): MetricsSnapshot => {
    const impaired = usedImpairments()
    return {
    connections,
    sessionsByState: countByState(),
    framesSent,
    packetsSent,
    bytesSent,
    framesDropped,
    rtcpReceiverReports: receiverReports,
    sessionsStarted: [...started.values()].reduce((sum, n) => sum + n, 0),
    sessionsEnded: sortedRecord(ended),
    requests: sortedRecord(requests),
    responses: sortedRecord(responses),
    sessions: Object.fromEntries([...sessions.entries()].map(([id, session]) => [id, sessionSnapshot(session)])),
    ...(sendPath === undefined ? {} : { udpSendPath: sendPath() }),
    ...(livePaths.size === 0 ? {} : { liveViewers: liveViewers() }),
    ...(published === undefined ? {} : { published: published() }),
    ...(multicast === undefined ? {} : { multicast: multicast() }),
    ...(impaired === undefined ? {} : { impairments: impaired }),
    guards: guardRecords((family) => sortedRecord(guards.get(family) ?? new Map()))
    }
  }

  const expositionSnapshot = (): ExpositionSnapshot => {
    const { udpSendPath, ...rest } = snapshot()
    const startedBy = (dialect: Dialect): Record<TransportKind, number> => ({
      udp: started.get(`${dialect} udp`) ?? 0,
      tcp: started.get(`${dialect} tcp`) ?? 0,
      multicast: started.get(`${dialect} multicast`) ?? 0
    })
    return {
      ...rest,
      sessionsStartedBy: { standard: startedBy("standard"), classic: startedBy("classic") },
      ...(udpSendPath === undefined ? {} : { udpSendPaths: { gso: udpSendPath === "gso" ? 1 : 0, plain: udpSendPath === "plain" ? 1 : 0 } })
    }
  }

  return {
    connectionOpened: () => {
      connections++
    },
    connectionClosed: () => {
      if (connections > 0) connections--
    },
    request: (method) => increment(requests, KNOWN_METHODS.has(method) ? method : "other"),
    response: (statusCode) => increment(responses, String(statusCode)),
    sessionStarted: (session) => {
      if (sessions.has(session.id)) return
      sessions.set(session.id, session)
      increment(started, `${session.dialect} ${transportKind(session.transport)}`)
    },
    sessionEnded: (sessionId, reason) => {
      if (!sessions.delete(sessionId)) return
      increment(ended, reason)
    },
    framesSent: (frames, packets, bytes) => {
      framesSent += frames
      packetsSent += packets
      bytesSent += bytes
    },
    framesDropped: (frames) => {
      framesDropped += frames
    },
    receiverReport: () => {
      receiverReports++
    },
    readUdpSendPath: (read) => {
      sendPath = read
    },
    liveChannels: (paths) => {
      livePaths = paths
    },
    readPublished: (read) => {
      published = read
    },
    readMulticast: (read) => {
      multicast = read
    },
    readImpairments: (read) => {
      impairments = read
    },
    guard: (family, label) => {
      const counts = guards.get(family)
      if (counts !== undefined) increment(counts, label)
    },
    snapshot,
    expositionSnapshot,
    render: () => renderFamilies(exposedFamilies([{ labels: [], snapshot: expositionSnapshot() }]))
  }
}

const guardRecords = (of: (family: GuardFamily) => Readonly<Record<string, number>>): Record<GuardFamily, Readonly<Record<string, number>>> =>
  Object.fromEntries(GUARD_FAMILY_KEYS.map((family) => [family, of(family)])) as Record<GuardFamily, Readonly<Record<string, number>>>

export const layer: Layer.Layer<Metrics> = Layer.sync(Metrics, makeServerMetrics)

// --- the exposition, as pure functions of snapshots ---------------------------

/** A snapshot with the labels put before each of its samples: none for a server's own, `worker="1"` for a cluster worker's. */
export interface LabelledSnapshot {
  readonly labels: Sample["labels"]
  readonly snapshot: ExpositionSnapshot
}

/**
 * The server's metric families, each holding the samples of every source in turn. One family
 * per name, whatever the number of sources: Prometheus refuses a name declared twice.
 */
export const exposedFamilies = (sources: ReadonlyArray<LabelledSnapshot>): Array<MetricFamily> => {
  const each = (samplesOf: (snapshot: ExpositionSnapshot) => ReadonlyArray<Sample>): Array<Sample> =>
    sources.flatMap(({ labels, snapshot }) =>
      samplesOf(snapshot).map((sample) => ({ labels: [...labels, ...sample.labels], value: sample.value })))
  const single = (pick: (snapshot: ExpositionSnapshot) => number): Array<Sample> =>
    each((snapshot) => [{ labels: [], value: pick(snapshot) }])
  const labelled = (label: string, pick: (snapshot: ExpositionSnapshot) => Readonly<Record<string, number>>): Array<Sample> =>
    each((snapshot) =>
      Object.entries(pick(snapshot))
        .sort(([a], [b]) => compareStrings(a, b))
        .map(([value, count]) => ({ labels: [[label, value]], value: count })))
  const perSession = (pick: (r: ReceiverReportMetrics) => number): Array<Sample> =>
    each((snapshot) =>
      Object.entries(snapshot.sessions)
        .sort(([a], [b]) => compareStrings(a, b))
        .flatMap(([id, session]) =>
          session.lastReceiverReport === undefined ? [] : [{ labels: [["session", id]], value: pick(session.lastReceiverReport) }]))

  const families: Array<MetricFamily> = [
    { name: "rtsp_connections", type: "gauge", help: "Open RTSP control connections.", samples: single((s) => s.connections) },
    {
      name: "rtsp_sessions",
      type: "gauge",
      help: "Live sessions by state.",
      samples: each((s) => SESSION_STATES.map((state) => ({ labels: [["state", state]], value: s.sessionsByState[state] })))
    },
    {
      name: "rtsp_sessions_started_total",
      type: "counter",
      help: "Sessions created, by dialect and transport.",
      samples: each((s) =>
        DIALECT_LABELS.flatMap((dialect) =>
          TRANSPORT_KINDS.map((transport) => ({
            labels: [["dialect", dialect], ["transport", transport]],
            value: s.sessionsStartedBy[dialect][transport]
          }))))
    },
    { name: "rtsp_sessions_ended_total", type: "counter", help: "Sessions ended, by reason.", samples: labelled("reason", (s) => s.sessionsEnded) },
    { name: "rtsp_frames_sent_total", type: "counter", help: "Video frames sent.", samples: single((s) => s.framesSent) },
    { name: "rtsp_rtp_packets_sent_total", type: "counter", help: "RTP packets sent.", samples: single((s) => s.packetsSent) },
    { name: "rtsp_rtp_bytes_sent_total", type: "counter", help: "RTP bytes sent, headers included.", samples: single((s) => s.bytesSent) },
    {
      name: "rtsp_frames_dropped_total",
      type: "counter",
      help: "Whole frames dropped because a receiver could not keep up.",
      samples: single((s) => s.framesDropped)
    },
    { name: "rtsp_requests_total", type: "counter", help: "RTSP requests received, by method.", samples: labelled("method", (s) => s.requests) },
    { name: "rtsp_responses_total", type: "counter", help: "RTSP responses sent, by status code.", samples: labelled("code", (s) => s.responses) },
    ...GUARD_FAMILY_KEYS.map((family): MetricFamily => ({
      name: GUARD_FAMILIES[family].name,
      type: "counter",
      help: GUARD_FAMILIES[family].help,
      samples: labelled(GUARD_FAMILIES[family].label, (s) => s.guards?.[family] ?? {})
    })),
    {
      name: "rtsp_rtcp_receiver_reports_total",
      type: "counter",
      help: "RTCP receiver reports received.",
      samples: single((s) => s.rtcpReceiverReports)
    },
    {
      name: "rtsp_rtcp_fraction_lost",
      type: "gauge",
      help: "Fraction of packets lost (0..1) in the latest RTCP receiver report of each live session.",
      samples: perSession((r) => r.fractionLost)
    },
    {
      name: "rtsp_rtcp_jitter_seconds",
      type: "gauge",
      help: "Interarrival jitter in the latest RTCP receiver report of each live session.",
      samples: perSession((r) => r.jitterSeconds)
    }
  ]
  if (sources.some(({ snapshot }) => snapshot.liveViewers !== undefined)) {
    families.push({ name: "rtsp_live_viewers", type: "gauge", help: "Sessions playing each live channel (--live).", samples: labelled("channel", (s) => s.liveViewers ?? {}) })
  }
  if (sources.some(({ snapshot }) => snapshot.published !== undefined)) families.push(...publishedFamilies(each))
  if (sources.some(({ snapshot }) => snapshot.multicast !== undefined)) families.push(...multicastFamilies(each))
  if (sources.some(({ snapshot }) => snapshot.impairments !== undefined)) families.push(...impairmentFamilies(each))
  if (sources.some(({ snapshot }) => snapshot.udpSendPaths !== undefined)) {
    families.push({
      name: "rtsp_udp_send_path",
      type: "gauge",
      help: "How RTP leaves the server: gso (each turn's frames in one kernel call) or plain (one send per packet); 1 for the path in use.",
      samples: each((s) => {
        const paths = s.udpSendPaths
        return paths === undefined ? [] : UDP_SEND_PATHS.map((path) => ({ labels: [["path", path]], value: paths[path] }))
      })
    })
  }
  return families
}

/** The published paths' families: one sample per path (per reason for rejections). */
const publishedFamilies = (each: (samplesOf: (snapshot: ExpositionSnapshot) => ReadonlyArray<Sample>) => Array<Sample>): Array<MetricFamily> => {
  const perPath = (pick: (path: PublishedPathMetrics) => number): Array<Sample> =>
    each((s) => Object.entries(s.published ?? {}).sort(([a], [b]) => compareStrings(a, b)).map(([path, m]) => ({ labels: [["path", path]], value: pick(m) })))
  return [
    { name: "rtsp_publisher_recording", type: "gauge", help: "Published paths: 1 while the publisher records, 0 while only announced.", samples: perPath((m) => m.recording) },
    { name: "rtsp_published_viewers", type: "gauge", help: "Viewer sessions playing each published path.", samples: perPath((m) => m.viewers) },
    { name: "rtsp_published_frames_in_total", type: "counter", help: "Whole frames taken from each path's publisher.", samples: perPath((m) => m.framesIn) },
    { name: "rtsp_published_frames_out_total", type: "counter", help: "Frames sent to each path's viewers, one per viewer per frame.", samples: perPath((m) => m.framesOut) },
    { name: "rtsp_published_frames_dropped_total", type: "counter", help: "Frames a slow viewer of each path could not take.", samples: perPath((m) => m.framesDropped) },
    {
      name: "rtsp_published_frames_rejected_total",
      type: "counter",
      help: "Publisher frames refused, by path and reason (not RTP, payload type, SSRC, incomplete, bad JPEG, too fast).",
      samples: each((s) =>
        Object.entries(s.published ?? {}).sort(([a], [b]) => compareStrings(a, b)).flatMap(([path, m]) =>
          Object.entries(m.rejected).sort(([a], [b]) => compareStrings(a, b)).map(([reason, n]) => ({ labels: [["path", path], ["reason", reason]], value: n }))))
    }
  ]
}

const total = <A>(items: ReadonlyArray<A>, pick: (item: A) => number): number => items.reduce((sum, item) => sum + pick(item), 0)

const addRecords = (records: ReadonlyArray<Readonly<Record<string, number>>>): Record<string, number> => {
  const counts = new Map<string, number>()
  for (const record of records) for (const [key, n] of Object.entries(record)) increment(counts, key, n)
  return sortedRecord(counts)
}

/**
 * Several servers' snapshots as one (a cluster's workers): counts and gauges add up, and the live
 * sessions are all of theirs. Session ids are each server's own; in the rare case two servers drew
 * the same one, the later server's session stands for both in the summed per-session series.
 */
export const sumSnapshots = (snapshots: ReadonlyArray<ExpositionSnapshot>): ExpositionSnapshot => {
  const sendPaths = snapshots.flatMap((s) => (s.udpSendPaths === undefined ? [] : [s.udpSendPaths]))
  const viewers = snapshots.flatMap((s) => (s.liveViewers === undefined ? [] : [s.liveViewers]))
  const startedBy = (dialect: Dialect): Record<TransportKind, number> => ({
    udp: total(snapshots, (s) => s.sessionsStartedBy[dialect].udp),
    tcp: total(snapshots, (s) => s.sessionsStartedBy[dialect].tcp),
    multicast: total(snapshots, (s) => s.sessionsStartedBy[dialect].multicast)
  })
  return {
    connections: total(snapshots, (s) => s.connections),
    sessionsByState: {
      init: total(snapshots, (s) => s.sessionsByState.init),
      ready: total(snapshots, (s) => s.sessionsByState.ready),
      playing: total(snapshots, (s) => s.sessionsByState.playing),
      recording: total(snapshots, (s) => s.sessionsByState.recording ?? 0)
    },
    framesSent: total(snapshots, (s) => s.framesSent),
    packetsSent: total(snapshots, (s) => s.packetsSent),
    bytesSent: total(snapshots, (s) => s.bytesSent),
    framesDropped: total(snapshots, (s) => s.framesDropped),
    rtcpReceiverReports: total(snapshots, (s) => s.rtcpReceiverReports),
    sessionsStarted: total(snapshots, (s) => s.sessionsStarted),
    sessionsEnded: addRecords(snapshots.map((s) => s.sessionsEnded)),
    requests: addRecords(snapshots.map((s) => s.requests)),
    responses: addRecords(snapshots.map((s) => s.responses)),
    sessions: Object.fromEntries(snapshots.flatMap((s) => Object.entries(s.sessions))),
    sessionsStartedBy: { standard: startedBy("standard"), classic: startedBy("classic") },
    ...(sendPaths.length === 0
      ? {}
      : { udpSendPaths: { gso: total(sendPaths, (p) => p.gso), plain: total(sendPaths, (p) => p.plain) } }),
    ...(viewers.length === 0 ? {} : { liveViewers: addRecords(viewers) }),
    // A published path lives in one process (--publish runs no cluster): the paths are all of theirs.
    ...(snapshots.some((s) => s.published !== undefined) ? { published: Object.assign({}, ...snapshots.map((s) => s.published ?? {})) } : {}),
    // Multicast, like publishing, runs in one process.
    ...(snapshots.some((s) => s.multicast !== undefined) ? { multicast: Object.assign({}, ...snapshots.map((s) => s.multicast ?? {})) } : {}),
    ...(snapshots.some((s) => s.impairments !== undefined) ? { impairments: sumImpairments(snapshots) } : {}),
    guards: guardRecords((family) => addRecords(snapshots.map((s) => s.guards?.[family] ?? {})))
  }
}

/** Each worker impairs its own sessions: the figures add up per profile. */
const sumImpairments = (snapshots: ReadonlyArray<ExpositionSnapshot>): Record<string, ImpairmentProfileMetrics> => {
  const sums = new Map<string, ImpairmentProfileMetrics>()
  for (const snapshot of snapshots) {
    for (const [profile, figures] of Object.entries(snapshot.impairments ?? {})) {
      const sum = sums.get(profile)
      sums.set(profile, sum === undefined ? figures : addProfileMetrics(sum, figures))
    }
  }
  return Object.fromEntries([...sums].sort(([a], [b]) => compareStrings(a, b)))
}

/** The multicast groups' families: how many are in use, and one sample per group. */
const multicastFamilies = (each: (samplesOf: (snapshot: ExpositionSnapshot) => ReadonlyArray<Sample>) => Array<Sample>): Array<MetricFamily> => {
  const perGroup = (pick: (group: MulticastGroupMetrics) => number): Array<Sample> =>
    each((s) => Object.entries(s.multicast ?? {}).sort(([a], [b]) => compareStrings(a, b)).map(([path, m]) => ({ labels: [["path", path], ["group", m.group]], value: pick(m) })))
  return [
    { name: "rtsp_multicast_groups", type: "gauge", help: "Multicast groups in use (one per live path someone set up multicast).", samples: each((s) => [{ labels: [], value: Object.keys(s.multicast ?? {}).length }]) },
    { name: "rtsp_multicast_members", type: "gauge", help: "Sessions set up on each multicast group.", samples: perGroup((m) => m.members) },
    { name: "rtsp_multicast_viewers", type: "gauge", help: "Sessions playing each multicast group.", samples: perGroup((m) => m.playing) },
    { name: "rtsp_multicast_packets_sent_total", type: "counter", help: "RTP packets each multicast group sent: one send each, however many members.", samples: perGroup((m) => m.packetsSent) }
  ]
}

// --- Prometheus text format 0.0.4 -------------------------------------------

export interface Sample {
  readonly labels: ReadonlyArray<readonly [name: string, value: string]>
  readonly value: number
}

/** One metric name: its HELP and TYPE lines, then every sample. */
export interface MetricFamily {
  readonly name: string
  readonly type: "counter" | "gauge"
  readonly help: string
  readonly samples: ReadonlyArray<Sample>
}

/** The text exposition of `families`, in their order, ending in a newline. */
export const renderFamilies = (families: ReadonlyArray<MetricFamily>): string => {
  const out = new Array<string>()
  for (const family of families) {
    out.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`)
    for (const sample of family.samples) out.push(`${family.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`)
  }
  return out.join("\n") + "\n"
}

/** HELP text escapes backslash and newline. */
const escapeHelp = (text: string): string => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

/** Label values escape backslash, double quote and newline. */
export const escapeLabelValue = (value: string): string =>
  value.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n")

const formatLabels = (labels: Sample["labels"]): string =>
  labels.length === 0 ? "" : `{${labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(",")}}`

const formatValue = (value: number): string =>
  Number.isNaN(value) ? "NaN" : value === Infinity ? "+Inf" : value === -Infinity ? "-Inf" : String(value)
