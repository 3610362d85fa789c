/** The classic-lab grader: `runClassicGrade(url)`, batches, and the table, JSON and HTML views of a grade. */
export { gradeTargets, parseTargets } from "./batch.js"
export { CLASSIC_CHECKS, type ClassicCheckId, LAB_FPS } from "./catalog.js"
export { formatBatchTable, formatClassicGrade } from "./format.js"
export { type ClassicHtmlMeta, renderClassicHtml, writeClassicHtml } from "./htmlReport.js"
export { runClassicGrade } from "./runClassicGrade.js"
export { isFullScore, scoreOf } from "./score.js"
export type { ClassicBatchReport, ClassicGradeOptions, ClassicMeasurements, ClassicReport, ClassicScore } from "./types.js"
