/** The load cases' shared limits and timings (server.sessions, server.published, server.multicast). */

/** Wait after the last PLAY before the window opens. */
export const SETTLE_MS = 500
export const SETUP_CONCURRENCY = 64
export const REQUEST_TIMEOUT_MS = 10_000
/** Sessions not set up by then are given up, so a server that stops answering cannot stretch the bench. */
export const SETUP_DEADLINE_MS = 20_000
export const TEARDOWN_TIMEOUT_MS = 5000
/** 1 MiB asked; Linux doubles it (bookkeeping) and caps it at net.core.rmem_max: about 5 s of one session's stream. */
export const RECV_BUFFER_BYTES = 1 << 20
export const RSS_SAMPLE_MS = 500
