/**
 * The text `effect-rtsp impairments` prints: every profile a session can name, the built-ins with
 * what each models, then a profiles file's, each with its knobs as a URL query would give them,
 * so a user sees what `?impair=NAME` does. Pure.
 */
import { profileKnobs } from "../../impair/knobs.js"
import type { ImpairmentProfile } from "../../impair/profile.js"

export interface ListedProfile {
  readonly name: string
  readonly profile: ImpairmentProfile
  /** What it models; a file's profiles have none. */
  readonly description?: string | undefined
}

export interface ProfileGroup {
  /** The heading: "Built-in profiles", "Profiles from impairments.json". */
  readonly title: string
  readonly profiles: ReadonlyArray<ListedProfile>
}

/**
 * The profile's knobs in query form, left readable (`loss=2%`, which the server takes as it is,
 * rather than the encoded `loss=2%25`): the same profile as naming it.
 */
export const readableQuery = (profile: ImpairmentProfile): string =>
  profileKnobs(profile).map(([knob, value]) => `${knob}=${value}`).join("&")

const groupLines = (group: ProfileGroup, nameWidth: number): ReadonlyArray<string> => {
  const indent = " ".repeat(2 + nameWidth + 2)
  const lines = [`${group.title}:`]
  if (group.profiles.length === 0) lines.push("  (none)")
  for (const { name, profile, description } of group.profiles) {
    const first = `  ${name.padEnd(nameWidth)}  `
    if (description === undefined) lines.push(first + readableQuery(profile))
    else lines.push(first + description, indent + readableQuery(profile))
  }
  return lines
}

/** The listing, one group after another, then how to ask for a profile. */
export const profileListing = (groups: ReadonlyArray<ProfileGroup>): string => {
  const nameWidth = Math.max(0, ...groups.flatMap((group) => group.profiles.map(({ name }) => name.length)))
  return [
    ...groups.flatMap((group) => [...groupLines(group, nameWidth), ""]),
    "Ask for one in the URL (rtsp://HOST:PORT/movie.Mjpeg?impair=lossy-wifi), with knobs after it to change it",
    "(?impair=lossy-wifi&seed=9), or knobs alone (?loss=2%&seed=7); for every session that asks for none:",
    "effect-rtsp serve --impair NAME."
  ].join("\n")
}
