/** Small number helpers for the server benchmark's report lines. */

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when there are none. */
export const percentile = (values: ArrayLike<number>, p: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = Float64Array.from(values).sort()
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!
}

export const minOf = (values: ReadonlyArray<number>): number =>
  values.length === 0 ? Number.NaN : values.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY)

/** Rounds to `digits` decimals; NaN and infinities become null so that the JSON line stays valid and says "no value". */
export const round = (value: number, digits: number): number | null =>
  Number.isFinite(value) ? Number(value.toFixed(digits)) : null

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** UDP counters of the whole host from /proc/net/snmp (RcvbufErrors: datagrams dropped for a full receive buffer). */
export const readUdpCounters = (text: string): Readonly<Record<string, number>> => {
  const lines = text.split("\n").filter((line) => line.startsWith("Udp:"))
  const names = lines[0]?.split(/\s+/).slice(1) ?? []
  const values = lines[1]?.split(/\s+/).slice(1) ?? []
  const out: Record<string, number> = {}
  names.forEach((name, i) => {
    out[name] = Number(values[i])
  })
  return out
}

/** Busy and total clock ticks of the whole host from /proc/stat's first line (busy = all but idle and iowait). */
export const readHostCpuTicks = (text: string): { readonly busy: number; readonly total: number } => {
  const fields = (text.split("\n")[0] ?? "").trim().split(/\s+/).slice(1, 9).map(Number)
  const total = fields.reduce((a, b) => a + b, 0)
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0)
  return { busy: total - idle, total }
}
