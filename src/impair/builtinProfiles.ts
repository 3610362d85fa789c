/**
 * The built-in impairment profiles, each with what it models. The numbers are typical of the
 * network they name, chosen so that the sample movie (20 fps, about 8 packets a frame, 1.6 Mbit/s)
 * shows the effect within seconds. Every one has seed DEFAULT_SEED; `seed=N` picks another run.
 */
import { DEFAULT_SEED } from "./knobs.js"
import type { ImpairmentProfile } from "./profile.js"

interface BuiltinProfile {
  readonly name: string
  readonly profile: ImpairmentProfile
  /** One line: the network or server it models. */
  readonly description: string
}

const builtin = (name: string, description: string, knobs: Omit<ImpairmentProfile, "name" | "seed">): BuiltinProfile => ({
  name,
  profile: { name, seed: DEFAULT_SEED, ...knobs },
  description
})

const BUILTINS: ReadonlyArray<BuiltinProfile> = [
  builtin(
    "lossy-wifi",
    "a busy Wi-Fi link: 2% random loss plus short bursts (1% of packets, 3 at a time), 5 ms ± 10 ms of jitter, 0.5% duplicates from link-layer retries",
    { loss: 0.02, burst: { share: 0.01, meanLength: 3 }, delay: { meanMs: 5, jitterMs: 10 }, duplicate: 0.005 }
  ),
  builtin(
    "congested-lte",
    "a loaded LTE cell: 60 ms ± 20 ms latency, 1% loss, and a 2 Mbit/s share that clips the stream's peaks",
    { loss: 0.01, delay: { meanMs: 60, jitterMs: 20 }, bandwidthKbps: 2000 }
  ),
  builtin(
    "satellite",
    "a geostationary satellite hop: 300 ms ± 20 ms one-way delay, no loss",
    { delay: { meanMs: 300, jitterMs: 20 } }
  ),
  builtin(
    "bursty",
    "interference on an otherwise clean path: 3% of packets lost in bursts of 8 on average, about a whole frame each",
    { burst: { share: 0.03, meanLength: 8 } }
  ),
  builtin(
    "reorder-heavy",
    "a route over several links (load balancing): 5% of packets arrive 3 packets late (over TCP interleaved the server reorders inside the stream, which a real TCP path never does)",
    { reorder: { share: 0.05, depth: 3 } }
  ),
  builtin(
    "flaky-connection",
    "a link that gives up: 1% loss, and the server closes the connection 20 s after PLAY",
    { loss: 0.01, closeAfterMs: 20_000 }
  ),
  builtin(
    "slow-server",
    "an overloaded camera or NVR: every RTSP reply waits 800 ms and its encoder skips 2% of frames",
    { replyDelayMs: 800, frameDrop: 0.02 }
  )
]

/** The built-in profiles by name, in the order above. */
export const BUILTIN_PROFILES: ReadonlyMap<string, ImpairmentProfile> = new Map(
  BUILTINS.map(({ name, profile }) => [name, profile])
)

/** What each built-in models, by name, for the docs and a CLI listing. */
export const BUILTIN_PROFILE_DESCRIPTIONS: ReadonlyMap<string, string> = new Map(
  BUILTINS.map(({ name, description }) => [name, description])
)

/** Every profile a query may name: the built-ins, then a profiles file's (whose names never clash with them). */
export const withBuiltinProfiles = (
  fileProfiles: ReadonlyMap<string, ImpairmentProfile>
): ReadonlyMap<string, ImpairmentProfile> => new Map([...BUILTIN_PROFILES, ...fileProfiles])
