/**
 * V8 flags the commands run with (in their `#!` lines and `npm start`; the bench passes them to
 * the server it measures). A streaming server keeps one frame's worth of objects alive per session
 * across each 50 ms sleep; with V8's default 16 MiB semi-space, scavenges come often enough that
 * those objects are promoted and die in the old generation. 32 MiB lets them die young: at 500
 * sessions it cut the server's CPU from about 71 % to 56 % of a core and its RSS per session from
 * about 300 to 150 KiB (npm run bench, same machine, back to back). Flags cannot be changed once
 * node runs, hence the `#!` line. A test keeps the three places equal.
 */
export const RUNTIME_NODE_FLAGS: ReadonlyArray<string> = ["--max-semi-space-size=32"]
