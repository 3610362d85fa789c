#!/usr/bin/env node
/** The `effect-rtsp` entry point: the command tree with the Node platform. */
import { runCliMain } from "../common/cliExit.js"
import { runCli } from "./Cli.js"

runCliMain(runCli)
