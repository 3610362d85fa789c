/**
 * Which share of a run's clients a shard runs (`load --shard INDEX/COUNT`), and the round robin
 * that also spreads clients over threads. Pure.
 *
 * INDEX is 0-based, 0 … COUNT-1, like Kubernetes' JOB_COMPLETION_INDEX, so an Indexed Job passes
 * `--shard $(JOB_COMPLETION_INDEX)/COUNT` as is. Client i belongs to shard i mod COUNT: every
 * shard's clients rise evenly over the whole ramp-up, and each keeps its start delay
 * rampUp·i/clients, so shards started together start clients exactly as one run would.
 */
import { Either } from "effect"

export interface ShardSpec {
  /** 0-based. */
  readonly index: number
  readonly count: number
}

/** The whole run, as one shard. */
export const WHOLE_RUN: ShardSpec = { index: 0, count: 1 }

/** Client i to part i mod parts. */
export const shardClients = (clients: number, parts: number): ReadonlyArray<ReadonlyArray<number>> =>
  Array.from({ length: parts }, (_, part) => Array.from({ length: Math.max(0, Math.ceil((clients - part) / parts)) }, (_, k) => part + k * parts))

/** The clients (0 … clients-1) shard `spec` runs. */
export const clientsOfShard = (clients: number, spec: ShardSpec): ReadonlyArray<number> => shardClients(clients, spec.count)[spec.index] ?? []

const SHAPE = "--shard must be INDEX/COUNT with INDEX from 0 to COUNT-1 (0-based, as Kubernetes' JOB_COMPLETION_INDEX), e.g. 0/4 … 3/4"

/** "2/4" → { index: 2, count: 4 }; the message says what is wrong. `clients` bounds COUNT: a shard without clients runs nothing. */
export const parseShardSpec = (text: string, clients: number): Either.Either<ShardSpec, string> => {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text)
  if (match === null) return Either.left(`${SHAPE}; got ${JSON.stringify(text)}`)
  const index = Number(match[1])
  const count = Number(match[2])
  if (count < 1) return Either.left(`${SHAPE}; got ${JSON.stringify(text)} (COUNT must be at least 1)`)
  if (index >= count) {
    const hint = index === count ? ` (0-based: the last of ${count} is ${count - 1}/${count})` : ""
    return Either.left(`${SHAPE}; got ${JSON.stringify(text)}${hint}`)
  }
  if (count > clients) return Either.left(`--shard ${index}/${count}: ${count} shards need at least ${count} clients, --clients is ${clients}`)
  return Either.right({ index, count })
}

/** Client indices for a message: "2, 6, 10", or the first few and the last: "2, 6, 10, 14, 18, … 998". */
export const clientList = (values: ReadonlyArray<number>, most = 5): string =>
  values.length <= most ? values.join(", ") : `${values.slice(0, most).join(", ")}, … ${values[values.length - 1]}`

/** "shard 2/4" as the output names it. */
export const shardLabel = (spec: ShardSpec): string => `shard ${spec.index}/${spec.count}`
