#!/usr/bin/env node
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { runCli } from "./Cli.js"

runCli(process.argv).pipe(
  Effect.flatMap((code) => Effect.sync(() => {
    process.exitCode = code
  })),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain
)
