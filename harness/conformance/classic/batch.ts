/**
 * Batch grading (`--targets FILE`): one URL a line, blank lines and `#` comments ignored, each server
 * graded in turn (in turn, so one server's pacing is not judged while the grader is busy with
 * another), all in one ClassicBatchReport. A line that is no URL, or a server that cannot be
 * reached, is a row that says so; it never stops the batch.
 */
import { Effect } from "effect"
import { runClassicGrade } from "./runClassicGrade.js"
import { isFullScore } from "./score.js"
import type { ClassicBatchReport, ClassicGradeOptions, ClassicReport } from "./types.js"

/** The URLs of a targets file, in order: each line trimmed, a `#` comment (whole line, or after a space) dropped. */
export const parseTargets = (text: string): ReadonlyArray<string> =>
  text
    .split(/\r?\n/)
    .map((line) => line.replace(/(^|\s)#.*$/, "").trim())
    .filter((line) => line !== "")

export const batchOf = (servers: ReadonlyArray<ClassicReport>): ClassicBatchReport => {
  const fullScore = servers.filter((s) => isFullScore(s.score)).length
  return { dialect: "classic", ok: servers.length > 0 && fullScore === servers.length, fullScore, servers }
}

export const gradeTargets = (
  urls: ReadonlyArray<string>,
  options: ClassicGradeOptions & { readonly onGraded?: (report: ClassicReport, index: number) => Effect.Effect<void> } = {}
): Effect.Effect<ClassicBatchReport> =>
  Effect.forEach(urls, (url, index) =>
    runClassicGrade(url, options).pipe(Effect.tap((report) => options.onGraded?.(report, index) ?? Effect.void))
  ).pipe(Effect.map(batchOf))
