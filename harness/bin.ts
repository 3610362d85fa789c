#!/usr/bin/env node
/**
 * The `rtsp-harness` entry point. The harness itself (scenarios, load and
 * conformance runs) arrives later; until then the command shows help and its
 * version only.
 */
import { Command } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { reportFailure } from "../src/cli/CliExit.js"
import { VERSION } from "../src/cli/version.js"

const rootCommand = Command.make("rtsp-harness").pipe(
  Command.withDescription("Headless RTSP test harness for effect-rtsp and other RTSP/RTP MJPEG servers")
)

const run = Command.run(rootCommand, { name: "rtsp-harness", version: VERSION })

run(process.argv).pipe(
  Effect.as(0),
  Effect.catchAll(reportFailure),
  Effect.flatMap((code) => Effect.sync(() => {
    process.exitCode = code
  })),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain
)
