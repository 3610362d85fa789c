/**
 * V8 flags the server runs with (in its `#!` line and `npm start`; the bench passes them to
 * the server it measures). A playing session's frame loop now allocates almost nothing per frame
 * (one run is one Effect.async on node timers), so the young generation no longer needs room for
 * a frame's objects per session across each 50 ms wait, as it did when the flag was 32. A smaller
 * one is scanned faster and holds less: back to back (npm run bench), 1,000 sessions took 54.1 %
 * of a core and 97.7 KiB of RSS per session with 32 MiB, 50.6 % and 68.4 KiB with 16 (V8's
 * default), 48.1 % and 57.5 KiB with 8. Flags cannot be changed once node runs, hence the `#!`
 * line. A test keeps the three places equal.
 */
export const RUNTIME_NODE_FLAGS: ReadonlyArray<string> = ["--max-semi-space-size=8"]

/**
 * The harness's own (its `#!` line; its worker threads share them): setting up and tearing down
 * hundreds of sessions a second leaves much short-lived garbage, which dies young in 32 MiB.
 * `rtsp-harness load --clients 1000` here took about 15-16 s of CPU with 32 and about 18.5 s with 8.
 */
export const HARNESS_NODE_FLAGS: ReadonlyArray<string> = ["--max-semi-space-size=32"]
