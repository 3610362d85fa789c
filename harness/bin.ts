#!/usr/bin/env -S node --max-semi-space-size=32
/** The `rtsp-harness` entry point: the command tree with the Node platform. */
import { runCliMain } from "../src/common/cliExit.js"
import { runCli } from "./cli/Cli.js"

runCliMain(runCli)
