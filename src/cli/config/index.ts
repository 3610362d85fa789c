/**
 * `effect-rtsp config check FILE` and `effect-rtsp config print [--config FILE] [serve's flags]`.
 * check reads the file as serve would, then runs every value through serve's own checks, naming
 * each problem's place in the file; print shows the settings serve would run with.
 */
import { Args, Command } from "@effect/cli"
import { ConfigProvider, Console, Effect } from "effect"
import { CliExit } from "../../common/cliExit.js"
import { makeServeCommand, settingsWithoutFlags } from "../serve.js"
import { configFileIn, providerWith, readConfigFile } from "./configFile.js"
import { printConfig } from "./printConfig.js"
import { inFileTerms, validationText } from "./messages.js"


const checkCommand = Command.make("check", { file: Args.file({ name: "FILE", exists: "yes" }) }, ({ file }) =>
  Effect.gen(function* () {
    const values = yield* readConfigFile(file)
    // Nothing but the file behind the settings: neither this shell's variables nor flags colour the check.
    const checked = yield* Effect.either(Effect.withConfigProvider(settingsWithoutFlags, providerWith(values, ConfigProvider.fromMap(new Map()))))
    if (checked._tag === "Left") {
      yield* Console.error(`error: config file ${file}: ${inFileTerms(validationText(checked.left))}`)
      return yield* new CliExit({ code: 1 })
    }
    yield* Console.log(`${file}: good (${values.size} setting${values.size === 1 ? "" : "s"})`)
  })
).pipe(Command.withDescription("Check a config file without starting: its shape (unknown keys are errors), then every value as serve checks it. Exit 0 when good."))

const printCommand = makeServeCommand(
  (settings) =>
    Effect.gen(function* () {
      const args = process.argv.slice(2)
      const file = configFileIn(args, process.env)
      const values = file === undefined ? new Map<string, string>() : yield* readConfigFile(file)
      yield* Console.log(printConfig(settings, { args, env: process.env, file: values }, file))
    }),
  "print",
  "Print the settings serve would run with (serve's flags, environment and --config file applied), as YAML saying where each came from."
)

export const configCommand = Command.make("config").pipe(
  Command.withDescription("The config file: check one, or print the settings serve would run with."),
  Command.withSubcommands([checkCommand, printCommand])
)
