#!/usr/bin/env node
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { runCli } from "./Cli.js"

runCli(process.argv).pipe(
  Effect.flatMap((code) => Effect.sync(() => {
    process.exitCode = code
  })),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain
)
