/**
 * What node:dgram keeps to itself, for the native paths: the socket's OS handle (its fd) and
 * libuv's reading of it. Node keeps the handle under a symbol (the `_handle` getter is
 * deprecated and warns). Where a Node version hides either, the answer is undefined or false
 * and the caller stays on plain node:dgram.
 */
import type * as Dgram from "node:dgram"

interface UdpHandle {
  readonly fd?: unknown
  readonly recvStop?: unknown
  readonly recvStart?: unknown
}

const handleOf = (socket: Dgram.Socket): UdpHandle | undefined => {
  const state = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === "state symbol")
  const handle: unknown = state === undefined ? undefined : (socket as unknown as Record<symbol, { handle?: unknown }>)[state]?.handle
  return typeof handle === "object" && handle !== null ? handle : undefined
}

export const fdOf = (socket: Dgram.Socket): number | undefined => {
  const fd = handleOf(socket)?.fd
  return typeof fd === "number" && fd >= 0 ? fd : undefined
}

const callHandle = (socket: Dgram.Socket, name: "recvStop" | "recvStart"): boolean => {
  const handle = handleOf(socket)
  const method = handle?.[name]
  if (typeof method !== "function") return false
  try {
    return method.call(handle) === 0
  } catch {
    return false
  }
}

/**
 * Stops libuv reading the socket (node:dgram starts reading at bind and offers no way to stop),
 * so that another reader owns what arrives from now on. True when it stopped.
 */
export const stopNodeReceive = (socket: Dgram.Socket): boolean => callHandle(socket, "recvStop")

/** Hands the socket back to node:dgram's reading (its "message" events). */
export const startNodeReceive = (socket: Dgram.Socket): boolean => callHandle(socket, "recvStart")
