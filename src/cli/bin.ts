#!/usr/bin/env -S node --max-semi-space-size=8
/** The `effect-rtsp` entry point: the command tree with the Node platform. */
import { runCliMain } from "../common/cliExit.js"
import { runCli } from "./Cli.js"

runCliMain(runCli)
