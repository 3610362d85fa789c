/**
 * `rtsp-harness merge <shard files…>`: the shards of one load run (load --shard I/N --out FILE)
 * → the table, --json and --report of one run of all their clients, and its verdict: exit 0
 * only if every expectation held on the whole run. A missing shard is merged around with a
 * warning, its clients counted as failed (so the run fails); unreadable or invalid files and
 * shards of different runs end with status 2.
 */
import { Args, Command } from "@effect/cli"
import * as FileSystem from "@effect/platform/FileSystem"
import { Console, Effect, Either } from "effect"
import { mergeShards, type ShardSource } from "../run/mergeShards.js"
import { decodeShardFile } from "../run/shardFile.js"
import { shardLabel } from "../run/shardSpec.js"
import { describePlatformError } from "../../src/common/errorText.js"
import { failWith } from "./failWith.js"
import { commandLine, finishRun } from "./finishRun.js"
import { jsonOption, reportOption } from "./shared.js"

const shardFiles = Args.text({ name: "shard-file" }).pipe(
  Args.atLeast(1),
  Args.withDescription("The shard files of one run, as load --shard I/N --out FILE wrote them (e.g. shard-*.json)")
)

/** One file read and checked; its problems as lines, naming the file and the path in it. */
const readShard = (fs: FileSystem.FileSystem, path: string): Effect.Effect<Either.Either<ShardSource, string>> =>
  fs.readFileString(path).pipe(
    Effect.map((text) => Either.map(decodeShardFile(text, path), (file): ShardSource => ({ source: path, file }))),
    Effect.map(Either.mapLeft((error) => error.message)),
    Effect.catchAll((error) => Effect.succeed(Either.left(`${path}: cannot read it: ${describePlatformError(error)}`)))
  )

/** For the report: the merge, and the command each shard ran. */
const mergedCommand = (shards: ReadonlyArray<ShardSource>): string =>
  [commandLine(), ...[...shards].sort((a, b) => a.file.shard.index - b.file.shard.index).map((s) => `# ${shardLabel(s.file.shard)}: ${s.file.command}`)].join("\n")

export const mergeCommand = Command.make("merge", { files: shardFiles, json: jsonOption, report: reportOption }, (options) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const read = yield* Effect.forEach(options.files, (path) => readShard(fs, path))
    const problems = read.flatMap((r) => (Either.isLeft(r) ? [r.left] : []))
    if (problems.length > 0) return yield* failWith(problems.flatMap((p) => p.split("\n")).map((line) => `error: ${line}`).join("\n"))
    const shards = read.flatMap((r) => (Either.isRight(r) ? [r.right] : []))
    const merged = mergeShards(shards)
    if (Either.isLeft(merged)) return yield* failWith(`error: ${merged.left.message}`)
    for (const warning of merged.right.warnings) yield* Console.error(`warning: ${warning}`)
    yield* finishRun(merged.right.result, { json: options.json, report: options.report, command: mergedCommand(shards) })
  })).pipe(
    Command.withDescription(
      "Merge the shard files of one load run (load --shard I/N --out FILE, e.g. one per Kubernetes Indexed Job pod) into the table, --json and --report of the whole run; exit status 0 only if every expectation held on the whole run"
    )
  )
