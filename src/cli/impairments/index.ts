/**
 * `effect-rtsp impairments [--impairments FILE]`: lists the impairment profiles a session can
 * name, read the way `serve` reads them (the same file and the same refusals), so what is listed
 * is what `?impair=NAME` does.
 */
import { Command, Options } from "@effect/cli"
import { Config, Console, Effect, Option } from "effect"
import { BUILTIN_PROFILE_DESCRIPTIONS, BUILTIN_PROFILES } from "../../impair/builtinProfiles.js"
import { readProfilesFile } from "../../server/impairmentProfiles.js"
import { type ListedProfile, profileListing, type ProfileGroup } from "./listing.js"

const impairmentsFile = Options.text("impairments").pipe(
  Options.withPseudoName("FILE"),
  Options.optional,
  Options.withFallbackConfig(Config.map(Config.string("RTSP_IMPAIRMENTS"), Option.some)),
  Options.withDescription("A JSON file of named profiles, as serve --impairments takes it; its profiles are listed after the built-ins. Environment: RTSP_IMPAIRMENTS.")
)

const builtinGroup: ProfileGroup = {
  title: "Built-in profiles",
  profiles: [...BUILTIN_PROFILES].map(([name, profile]): ListedProfile => ({ name, profile, description: BUILTIN_PROFILE_DESCRIPTIONS.get(name) }))
}

const fileGroup = (file: string) =>
  Effect.map(readProfilesFile(file), (profiles): ProfileGroup => ({
    title: `Profiles from ${file}`,
    profiles: [...profiles].map(([name, profile]) => ({ name, profile }))
  }))

export const impairmentsCommand = Command.make("impairments", { impairments: impairmentsFile }, ({ impairments }) =>
  Effect.gen(function*() {
    const fromFile = Option.isSome(impairments) ? [yield* fileGroup(impairments.value)] : []
    yield* Console.log(profileListing([builtinGroup, ...fromFile]))
  })
).pipe(
  Command.withDescription(
    "List the impairment profiles a session can ask for (?impair=NAME, serve --impair NAME): the built-ins with what each models, " +
      "then those of an --impairments file, each with its knobs as a URL query. A bad file is refused as serve refuses it."
  )
)
