import { Command } from "@effect/cli"
import { convertCommand } from "./convert.js"
import { createCommand } from "./create.js"
import { frameCommand } from "./frame.js"
import { infoCommand } from "./info.js"

export const videoCommand = Command.make("video").pipe(
  Command.withDescription("Make, convert and check MJPEG video files"),
  Command.withSubcommands([createCommand, convertCommand, infoCommand, frameCommand])
)
