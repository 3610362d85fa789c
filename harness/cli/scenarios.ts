/** `rtsp-harness scenarios`: the built-in scenarios, each with its description and the command that runs it. */
import { Command } from "@effect/cli"
import * as FileSystem from "@effect/platform/FileSystem"
import { Console, Effect, Either } from "effect"
import { builtinScenarioNames, builtinScenarioPath } from "../scenario/builtins.js"
import { decodeScenario } from "../scenario/decode.js"

export const scenariosCommand = Command.make("scenarios", {}, () =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const width = Math.max(...builtinScenarioNames.map((n) => n.length))
    for (const name of builtinScenarioNames) {
      const path = builtinScenarioPath(name)
      const decoded = decodeScenario(yield* fs.readFileString(path), path)
      const about = Either.match(decoded, {
        onLeft: (error) => `(invalid: ${error.message})`,
        onRight: (s) => `${s.description ?? ""}  [${s.clients} client${s.clients === 1 ? "" : "s"}, ${s.dialect}/${s.transport}]`
      })
      yield* Console.log(`${name.padEnd(width)}  ${about}`)
    }
    yield* Console.log(`\nrun one: rtsp-harness run <name> [--url rtsp://host:port/path]; files in ${builtinScenarioPath("smoke").replace(/smoke\.json$/, "")}`)
  })
).pipe(Command.withDescription("List the built-in scenarios"))
