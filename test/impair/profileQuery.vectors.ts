/**
 * The impairment query's vectors: every knob's good values (the profile they give) and bad values
 * (the exact 400 body line). Read by profileParse.test.ts, which checks each row, and by
 * profileParse.property.test.ts, which seeds its generators from them.
 */
import { withBuiltinProfiles } from "../../src/impair/builtinProfiles.js"
import type { ImpairmentProfile } from "../../src/impair/profile.js"

/** A profile as a file would give it, to show that `impair=` names those as well as the built-ins. */
export const officeProfile: ImpairmentProfile = { name: "office", seed: 9, loss: 0.001 }
export const testProfiles = withBuiltinProfiles(new Map([["office", officeProfile]]))

const seed1 = (knobs: Omit<ImpairmentProfile, "seed">): ImpairmentProfile => ({ seed: 1, ...knobs })

export const goodQueries: ReadonlyArray<readonly [query: string, profile: ImpairmentProfile | undefined]> = [
  // Nothing of ours: nothing asked for, other parameters left alone.
  ["", undefined],
  ["token=abc", undefined],
  ["token=abc&session&&x=", undefined],
  ["seek_to=10", undefined],
  // loss, and the percent rule: `%` or not, both percent; `%25` is how a client may send `%`.
  ["loss=2%", seed1({ loss: 0.02 })],
  ["loss=2%25", seed1({ loss: 0.02 })],
  ["loss=2", seed1({ loss: 0.02 })],
  ["loss=0.5%", seed1({ loss: 0.005 })],
  ["loss=12.345%", seed1({ loss: 0.12345 })],
  ["loss=0", seed1({ loss: 0 })],
  ["loss=100%", seed1({ loss: 1 })],
  ["%6Coss=2%25", seed1({ loss: 0.02 })],
  ["loss=2%&&seed=3&", { seed: 3, loss: 0.02 }],
  // burst, with its share defaulting to 1%.
  ["burst=4", seed1({ burst: { share: 0.01, meanLength: 4 } })],
  ["burst=4&burst-share=30%", seed1({ burst: { share: 0.3, meanLength: 4 } })],
  ["burst-share=30&burst=2.5", seed1({ burst: { share: 0.3, meanLength: 2.5 } })],
  ["burst=1000&burst-share=0%", seed1({ burst: { share: 0, meanLength: 1000 } })],
  // delay and jitter: either alone, the other 0.
  ["delay=100ms", seed1({ delay: { meanMs: 100, jitterMs: 0 } })],
  ["jitter=15ms", seed1({ delay: { meanMs: 0, jitterMs: 15 } })],
  ["delay=1.5s&jitter=20ms", seed1({ delay: { meanMs: 1500, jitterMs: 20 } })],
  ["delay=0s", seed1({ delay: { meanMs: 0, jitterMs: 0 } })],
  ["delay=10s&jitter=10000ms", seed1({ delay: { meanMs: 10_000, jitterMs: 10_000 } })],
  // reorder, its depth defaulting to 2.
  ["reorder=1%", seed1({ reorder: { share: 0.01, depth: 2 } })],
  ["reorder=1%&reorder-depth=3", seed1({ reorder: { share: 0.01, depth: 3 } })],
  ["reorder-depth=100&reorder=50%", seed1({ reorder: { share: 0.5, depth: 100 } })],
  ["dup=0.5%", seed1({ duplicate: 0.005 })],
  // bandwidth in kbit/s, bare or with a unit in any case.
  ["bandwidth=2000", seed1({ bandwidthKbps: 2000 })],
  ["bandwidth=2000kbps", seed1({ bandwidthKbps: 2000 })],
  ["bandwidth=2mbps", seed1({ bandwidthKbps: 2000 })],
  ["bandwidth=1.5Mbps", seed1({ bandwidthKbps: 1500 })],
  ["bandwidth=10gbps", seed1({ bandwidthKbps: 10_000_000 })],
  ["bandwidth=0.5", seed1({ bandwidthKbps: 0.5 })],
  ["frame-drop=1%", seed1({ frameDrop: 0.01 })],
  ["seed=7", { seed: 7 }],
  ["seed=0", { seed: 0 }],
  ["seed=4294967295", { seed: 4_294_967_295 }],
  ["seed=007", { seed: 7 }],
  // The RTSP side.
  ["close-after=10s", seed1({ closeAfterMs: 10_000 })],
  ["close-after=2m", seed1({ closeAfterMs: 120_000 })],
  ["close-after=0s", seed1({ closeAfterMs: 0 })],
  ["reply-delay=500ms", seed1({ replyDelayMs: 500 })],
  ["reply-delay=1440m", seed1({ replyDelayMs: 86_400_000 })],
  ["answer=PLAY:503", seed1({ answer: { method: "PLAY", status: 503 } })],
  ["answer=PLAY%3A503", seed1({ answer: { method: "PLAY", status: 503 } })],
  ["answer=GET_PARAMETER:451", seed1({ answer: { method: "GET_PARAMETER", status: 451 } })],
  ["answer=SETUP:100", seed1({ answer: { method: "SETUP", status: 100 } })],
  ["freeze-after=5s", seed1({ freezeAfterMs: 5000 })],
  ["reset-seq-after=3s", seed1({ resetSequenceAfterMs: 3000 })],
  ["reset-ts-after=3s", seed1({ resetTimestampAfterMs: 3000 })],
  // A named profile, as it is; with another seed it keeps its name.
  ["impair=satellite", { name: "satellite", seed: 1, delay: { meanMs: 300, jitterMs: 20 } }],
  ["impair=satellite&seed=9", { name: "satellite", seed: 9, delay: { meanMs: 300, jitterMs: 20 } }],
  ["seed=9&impair=satellite", { name: "satellite", seed: 9, delay: { meanMs: 300, jitterMs: 20 } }],
  ["impair=office", officeProfile],
  // Knobs over a named profile: a profile of its own (no name), the profile's seed unless given.
  ["impair=satellite&jitter=50ms", seed1({ delay: { meanMs: 300, jitterMs: 50 } })],
  ["impair=office&dup=1%", { seed: 9, loss: 0.001, duplicate: 0.01 }],
  ["impair=bursty&burst=4", seed1({ burst: { share: 0.03, meanLength: 4 } })],
  ["impair=reorder-heavy&reorder=1%", seed1({ reorder: { share: 0.01, depth: 3 } })],
  // `off` turns a named profile's knob off.
  ["impair=congested-lte&bandwidth=off", seed1({ loss: 0.01, delay: { meanMs: 60, jitterMs: 20 } })],
  ["impair=satellite&delay=off", { seed: 1 }],
  ["impair=bursty&burst=off", { seed: 1 }],
  ["impair=flaky-connection&loss=off&close-after=off", { seed: 1 }],
  ["impair=slow-server&reply-delay=off", seed1({ frameDrop: 0.02 })],
  ["loss=off&dup=off&reorder=off&frame-drop=off&answer=off&freeze-after=off&reset-seq-after=off&reset-ts-after=off", { seed: 1 }]
]

export const badQueries: ReadonlyArray<readonly [query: string, message: string]> = [
  // Shares.
  ["loss=150%", "loss 150% is above 100%"],
  ["loss=150", "loss 150% is above 100%"],
  ["loss=100.001%", "loss 100.001% is above 100%"],
  ["loss=-1%", "loss -1% is negative"],
  ["loss=abc", `loss "abc" is not a percentage (e.g. 2% or 0.5%; a bare number is a percentage too)`],
  ["loss=.5", `loss ".5" is not a percentage (e.g. 2% or 0.5%; a bare number is a percentage too)`],
  ["loss=1e-2", `loss "1e-2" is not a percentage (e.g. 2% or 0.5%; a bare number is a percentage too)`],
  ["loss=2%%", `loss "2%%" is not a percentage (e.g. 2% or 0.5%; a bare number is a percentage too)`],
  ["loss=", "loss needs a value"],
  ["loss", "loss needs a value"],
  ["dup=101%", "dup 101% is above 100%"],
  ["dup=half", `dup "half" is not a percentage (e.g. 2% or 0.5%; a bare number is a percentage too)`],
  ["frame-drop=-0.1", "frame-drop -0.1% is negative"],
  ["reorder=200%", "reorder 200% is above 100%"],
  ["burst=4&burst-share=1000", "burst-share 1000% is above 100%"],
  ["burst-share=off&burst=4", `burst-share "off" is not a percentage (e.g. 2% or 0.5%; a bare number is a percentage too)`],
  // Durations.
  ["delay=-5ms", "delay -5ms is negative"],
  ["delay=100", "delay 100 needs a unit, ms, s or m (e.g. 100ms or 100s)"],
  ["delay=0.5ms", "delay 0.5ms is not a whole number of milliseconds"],
  ["delay=11s", "delay 11s is above 10s"],
  ["delay=fast", `delay "fast" is not a duration (e.g. 100ms, 1.5s, 2m)`],
  ["delay=10 ms", `delay "10 ms" is not a duration (e.g. 100ms, 1.5s, 2m)`],
  ["delay=1h", `delay "1h" is not a duration (e.g. 100ms, 1.5s, 2m)`],
  ["jitter=-1ms", "jitter -1ms is negative"],
  ["jitter=off", `jitter "off" is not a duration (e.g. 100ms, 1.5s, 2m)`],
  ["close-after=10", "close-after 10 needs a unit, ms, s or m (e.g. 10ms or 10s)"],
  ["close-after=2d", `close-after "2d" is not a duration (e.g. 100ms, 1.5s, 2m)`],
  ["reply-delay=1441m", "reply-delay 1441m is above 1440m"],
  ["freeze-after=-1s", "freeze-after -1s is negative"],
  ["reset-seq-after=5", "reset-seq-after 5 needs a unit, ms, s or m (e.g. 5ms or 5s)"],
  ["reset-ts-after=x", `reset-ts-after "x" is not a duration (e.g. 100ms, 1.5s, 2m)`],
  // Counts.
  ["burst=0.5", "burst 0.5 is below 1"],
  ["burst=1001", "burst 1001 is above 1000"],
  ["burst=x", `burst "x" is not a number of packets from 1 to 1000`],
  ["reorder=1%&reorder-depth=0", "reorder-depth 0 is below 1"],
  ["reorder=1%&reorder-depth=101", "reorder-depth 101 is above 100"],
  ["reorder=1%&reorder-depth=2.5", `reorder-depth "2.5" is not a whole number of packets from 1 to 100`],
  // Bandwidth.
  ["bandwidth=0", "bandwidth 0 would let nothing through (for no cap, leave it out or say off)"],
  ["bandwidth=0mbps", "bandwidth 0mbps would let nothing through (for no cap, leave it out or say off)"],
  ["bandwidth=20gbps", "bandwidth 20gbps is above 10000000 kbit/s"],
  ["bandwidth=-5", "bandwidth -5 is negative"],
  ["bandwidth=fast", `bandwidth "fast" is not a bandwidth (e.g. 2000 for kbit/s, 2000kbps, 2mbps)`],
  ["bandwidth=2mbit", `bandwidth "2mbit" is not a bandwidth (e.g. 2000 for kbit/s, 2000kbps, 2mbps)`],
  // Seed.
  ["seed=abc", `seed "abc" is not a whole number from 0 to 4294967295`],
  ["seed=4294967296", `seed "4294967296" is not a whole number from 0 to 4294967295`],
  ["seed=-1", `seed "-1" is not a whole number from 0 to 4294967295`],
  ["seed=1.5", `seed "1.5" is not a whole number from 0 to 4294967295`],
  ["seed=off", `seed "off" is not a whole number from 0 to 4294967295`],
  ["seed=", "seed needs a value"],
  // Answer.
  ["answer=PLAY", `answer "PLAY" needs METHOD:STATUS (e.g. PLAY:503)`],
  ["answer=PLAY:99", `answer status "99" is not a status code from 100 to 599`],
  ["answer=PLAY:600", `answer status "600" is not a status code from 100 to 599`],
  ["answer=PLAY:5030", `answer status "5030" is not a status code from 100 to 599`],
  ["answer=PLAY:", `answer status "" is not a status code from 100 to 599`],
  [
    "answer=play:503",
    `answer method "play" is not an RTSP method (ANNOUNCE, DESCRIBE, GET_PARAMETER, OPTIONS, PAUSE, PLAY, RECORD, REDIRECT, SETUP, SET_PARAMETER, TEARDOWN)`
  ],
  [
    "answer=PALY:503",
    `answer method "PALY" is not an RTSP method (ANNOUNCE, DESCRIBE, GET_PARAMETER, OPTIONS, PAUSE, PLAY, RECORD, REDIRECT, SETUP, SET_PARAMETER, TEARDOWN)`
  ],
  // Pairs: the second of a pair needs the first.
  ["burst-share=30%", "burst-share needs burst (the mean burst length in packets)"],
  ["impair=bursty&burst=off&burst-share=5%", "burst-share cannot go with burst=off"],
  ["reorder-depth=3", "reorder-depth needs reorder (the share of packets held back)"],
  ["impair=reorder-heavy&reorder=off&reorder-depth=3", "reorder-depth cannot go with reorder=off"],
  ["delay=off&jitter=5ms", "jitter cannot go with delay=off"],
  // Profiles.
  ["impair=wifi", `no profile named "wifi" (known: lossy-wifi, congested-lte, satellite, bursty, reorder-heavy, flaky-connection, slow-server, office)`],
  ["impair=Satellite", `no profile named "Satellite" (known: lossy-wifi, congested-lte, satellite, bursty, reorder-heavy, flaky-connection, slow-server, office)`],
  ["impair=", "impair needs a profile name"],
  ["impair", "impair needs a profile name"],
  // Each parameter once.
  ["loss=1%&loss=2%", "loss is given twice"],
  ["impair=satellite&impair=bursty", "impair is given twice"],
  // Unknown names: any, once the query asks for impairments; alone, only one typo from a knob.
  ["los=2%", `unknown knob "los" (did you mean loss?)`],
  ["Loss=2%", `unknown knob "Loss" (did you mean loss?)`],
  ["jiter=5ms", `unknown knob "jiter" (did you mean jitter?)`],
  ["frame_drop=1%", `unknown knob "frame_drop" (did you mean frame-drop?)`],
  ["impar=satellite", `unknown knob "impar" (did you mean impair?)`],
  ["loss=1%&jiter=5ms", `unknown knob "jiter" (did you mean jitter?)`],
  [
    "impair=lossy-wifi&token=abc",
    `unknown knob "token" (knobs: impair, seed, loss, burst, burst-share, delay, jitter, reorder, reorder-depth, dup, bandwidth, frame-drop, close-after, reply-delay, answer, freeze-after, reset-seq-after, reset-ts-after)`
  ],
  [
    "token=abc&seed=3",
    `unknown knob "token" (knobs: impair, seed, loss, burst, burst-share, delay, jitter, reorder, reorder-depth, dup, bandwidth, frame-drop, close-after, reply-delay, answer, freeze-after, reset-seq-after, reset-ts-after)`
  ],
  // The first problem in query order is the one reported.
  ["loss=150%&seed=abc", "loss 150% is above 100%"],
  ["seed=abc&loss=150%", `seed "abc" is not a whole number from 0 to 4294967295`]
]
