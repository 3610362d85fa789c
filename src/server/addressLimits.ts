/**
 * What each client address holds and may still take: connections, sessions
 * (and slots reserved for sessions being set up), and a token bucket of
 * requests. One address over its caps is refused alone; addresses in the
 * exempt ranges (loopback by default: the operator's own tools and load
 * tests) have no per-address caps, only the server-wide ones.
 *
 * A session's slot is reserved in the same synchronous step as the count is
 * checked, and handed over when the session registers (or given back when
 * its request ends without one), so concurrent SETUPs can never overshoot
 * --max-sessions or the per-address cap, whatever yields between the check
 * and the registration.
 */
import { Effect } from "effect"
import type { AddressRanges } from "../net/addressRanges.js"
import type { ConnectionState, ServerContext } from "./context.js"
import { AddressLimitReached, type ServerSaturated, type SessionLimitReached } from "./errors.js"
import { admissionRefusal } from "./loadShedding.js"

interface AddressState {
  connections: number
  sessions: number
  reservedSessions: number
  /** Requests it may still make now (refilled at the rate, up to the burst). */
  tokens: number
  refilledAt: number
}

export interface AddressBook {
  readonly exempt: AddressRanges
  readonly addresses: Map<string, AddressState>
  /** Session slots reserved server-wide by SETUPs still being handled. */
  reservedSessions: number
}

export const makeAddressBook = (exempt: AddressRanges): AddressBook => ({ exempt, addresses: new Map(), reservedSessions: 0 })

const stateOf = (book: AddressBook, address: string, nowMillis: number, burst: number): AddressState => {
  let state = book.addresses.get(address)
  if (state === undefined) {
    state = { connections: 0, sessions: 0, reservedSessions: 0, tokens: burst, refilledAt: nowMillis }
    book.addresses.set(address, state)
  }
  return state
}

/** An address that holds nothing and has its full bucket is forgotten: the book stays as small as the clients. */
const forgetIfIdle = (book: AddressBook, address: string, state: AddressState, burst: number): void => {
  if (state.connections === 0 && state.sessions === 0 && state.reservedSessions === 0 && state.tokens >= burst) book.addresses.delete(address)
}

const burstOf = (ctx: ServerContext): number => Math.max(1, ctx.config.maxRequestsPerSecond * 2)

export const isExempt = (ctx: ServerContext, address: string): boolean => ctx.addressBook.exempt.includes(address)

/** A new connection from `address`: undefined when it may stay, else the refusal's kind for /metrics and the log. */
export const admitConnection = (ctx: ServerContext, address: string, openConnections: number): "connections" | "connections-per-address" | undefined => {
  if (openConnections >= ctx.config.maxConnections) return "connections"
  const state = stateOf(ctx.addressBook, address, ctx.clock.unsafeCurrentTimeMillis(), burstOf(ctx))
  if (!isExempt(ctx, address) && state.connections >= ctx.config.maxConnectionsPerAddress) {
    forgetIfIdle(ctx.addressBook, address, state, burstOf(ctx))
    return "connections-per-address"
  }
  state.connections++
  return undefined
}

export const connectionClosed = (ctx: ServerContext, address: string): void => {
  const state = ctx.addressBook.addresses.get(address)
  if (state === undefined) return
  state.connections = Math.max(0, state.connections - 1)
  forgetIfIdle(ctx.addressBook, address, state, burstOf(ctx))
}

/**
 * One request from the connection's address: true when its bucket has a token. The bucket
 * refills at maxRequestsPerSecond and holds twice that, so a client's burst of setup requests passes.
 */
export const takeRequestToken = (ctx: ServerContext, conn: ConnectionState): boolean => {
  if (isExempt(ctx, conn.peer)) return true
  const now = ctx.clock.unsafeCurrentTimeMillis()
  const burst = burstOf(ctx)
  const state = stateOf(ctx.addressBook, conn.peer, now, burst)
  state.tokens = Math.min(burst, state.tokens + ((now - state.refilledAt) / 1000) * ctx.config.maxRequestsPerSecond)
  state.refilledAt = now
  if (state.tokens < 1) return false
  state.tokens -= 1
  return true
}

/** Whole seconds until the address has a token again: the 503's Retry-After. */
export const secondsToNextToken = (ctx: ServerContext, conn: ConnectionState): number => {
  const state = ctx.addressBook.addresses.get(conn.peer)
  const missing = state === undefined ? 0 : Math.max(0, 1 - state.tokens)
  return Math.max(1, Math.ceil(missing / Math.max(ctx.config.maxRequestsPerSecond, 1e-9)))
}

/**
 * Admits one more session for the connection and reserves its slot, in one synchronous step:
 * under --max-sessions, the server keeping up, and the address under its cap.
 */
export const reserveSessionSlot = (
  ctx: ServerContext,
  conn: ConnectionState,
  addsStream: boolean
): Effect.Effect<void, SessionLimitReached | ServerSaturated | AddressLimitReached> =>
  Effect.suspend((): Effect.Effect<void, SessionLimitReached | ServerSaturated | AddressLimitReached> => {
    const book = ctx.addressBook
    const now = ctx.clock.unsafeCurrentTimeMillis()
    const refusal = admissionRefusal(ctx.load, ctx.sessions.size + book.reservedSessions, ctx.config.maxSessions, now, addsStream)
    if (refusal !== undefined) return Effect.fail(refusal)
    const state = stateOf(book, conn.peer, now, burstOf(ctx))
    if (!isExempt(ctx, conn.peer) && state.sessions + state.reservedSessions >= ctx.config.maxSessionsPerAddress) {
      ctx.metrics.guard("limitRefusals", "sessions-per-address")
      return Effect.fail(new AddressLimitReached({ kind: "sessions", limit: ctx.config.maxSessionsPerAddress, address: conn.peer }))
    }
    // A second SETUP while one slot is held cannot happen (a connection's requests run one at a time); be safe anyway.
    if (!conn.holdsSessionSlot) {
      book.reservedSessions++
      state.reservedSessions++
      conn.holdsSessionSlot = true
    }
    return Effect.void
  })

/** Gives the connection's reserved slot back (its request ended without a session, or the session now counts itself). */
export const releaseSessionSlot = (ctx: ServerContext, conn: ConnectionState): void => {
  if (!conn.holdsSessionSlot) return
  conn.holdsSessionSlot = false
  const book = ctx.addressBook
  book.reservedSessions = Math.max(0, book.reservedSessions - 1)
  const state = book.addresses.get(conn.peer)
  if (state !== undefined) state.reservedSessions = Math.max(0, state.reservedSessions - 1)
}

/** A session registered: it takes over the slot its SETUP reserved. */
export const sessionRegistered = (ctx: ServerContext, conn: ConnectionState): void => {
  releaseSessionSlot(ctx, conn)
  stateOf(ctx.addressBook, conn.peer, ctx.clock.unsafeCurrentTimeMillis(), burstOf(ctx)).sessions++
}

export const sessionUnregistered = (ctx: ServerContext, conn: ConnectionState): void => {
  const state = ctx.addressBook.addresses.get(conn.peer)
  if (state === undefined) return
  state.sessions = Math.max(0, state.sessions - 1)
  forgetIfIdle(ctx.addressBook, conn.peer, state, burstOf(ctx))
}

/** Connections whose client leaves more than maxBufferedBytes unread: a reader that stopped reading is closed, not buffered for. */
export const overBuffered = (ctx: ServerContext): ReadonlyArray<ConnectionState> =>
  [...ctx.connections].filter((conn) => !conn.socket.destroyed && conn.socket.writableLength > ctx.config.maxBufferedBytes)
