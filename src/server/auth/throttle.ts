/**
 * Backoff for failed logins, per client address. The first few failures cost
 * nothing; after them each attempt from that address waits its turn, and the
 * turns grow exponentially apart (to a ceiling), so guessing slows to a crawl
 * however many connections it uses. A success clears the address. Other
 * addresses never wait: the state is theirs alone.
 */
export interface ThrottleOptions {
  /** Failures from one address before its attempts start to wait. */
  readonly freeFailures: number
  /** The first wait after them; each further failure doubles it. */
  readonly baseMillis: number
  readonly maxMillis: number
  /** Addresses remembered at most; the longest quiet are forgotten first. */
  readonly maxAddresses: number
}

interface AddressState {
  failures: number
  /** When the next attempt from the address may be checked. */
  nextTurnAt: number
}

export interface FailureThrottle {
  /** How long this attempt must wait before it is checked; reserves its turn, so parallel attempts queue up. */
  readonly waitFor: (address: string, nowMillis: number) => number
  /** Counts a failure; returns the wait that now applies to the address, or undefined while failures are free. */
  readonly failed: (address: string, nowMillis: number) => { readonly failures: number; readonly waitMillis: number | undefined }
  readonly succeeded: (address: string) => void
}

export const makeFailureThrottle = (options: ThrottleOptions): FailureThrottle => {
  // Insertion order doubles as recency: an address is re-inserted when it fails.
  const addresses = new Map<string, AddressState>()
  const delayAfter = (failures: number): number | undefined =>
    failures < options.freeFailures ? undefined : Math.min(options.maxMillis, options.baseMillis * 2 ** Math.min(30, failures - options.freeFailures))

  return {
    waitFor: (address, nowMillis) => {
      const state = addresses.get(address)
      const delay = state === undefined ? undefined : delayAfter(state.failures)
      if (state === undefined || delay === undefined) return 0
      const turn = Math.max(nowMillis, state.nextTurnAt)
      state.nextTurnAt = turn + delay
      return turn - nowMillis
    },
    failed: (address, nowMillis) => {
      const state = addresses.get(address) ?? { failures: 0, nextTurnAt: nowMillis }
      addresses.delete(address)
      state.failures++
      addresses.set(address, state)
      const delay = delayAfter(state.failures)
      if (delay !== undefined) state.nextTurnAt = Math.max(state.nextTurnAt, nowMillis + delay)
      while (addresses.size > options.maxAddresses) addresses.delete(addresses.keys().next().value ?? "")
      return { failures: state.failures, waitMillis: delay }
    },
    succeeded: (address) => {
      addresses.delete(address)
    }
  }
}
