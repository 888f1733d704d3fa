import {appendFile, writeFile} from 'node:fs/promises'
import {stripVTControlCharacters} from 'node:util'

import {type RunReporter, silentReporter} from '../engine/reporter.js'
import type {RunRecord} from '../engine/types.js'
import {maskSecrets} from '../secrets/secrets.js'
import {renderJunit} from './junit.js'
import {LiveReporter} from './live.js'
import {renderMarkdown} from './markdown.js'
import {PlainReporter} from './plain.js'
import type {RtoTrend} from './trend.js'

/**
 * Live list on a terminal; plain lines in CI or a pipe; nothing under --json (stdout is for the JSON alone).
 * Warnings go to `warn` in every case, so that the command can show them or put them in its JSON.
 * `plain` asks for plain lines on a terminal too (a run that will prompt).
 */
export function reporterFor(options: {json: boolean; warn: (message: string) => void; plain?: boolean}): RunReporter {
  if (options.json) return {...silentReporter, warning: options.warn}
  const live = process.stdout.isTTY && process.stdout.columns > 0 && !process.env.CI && !options.plain
  return live ? new LiveReporter(options.warn) : new PlainReporter(undefined, options.warn)
}

export interface ReportFiles {
  junit?: string
  summary?: string
}

/**
 * Writes the requested report files, and the GitHub job summary when GITHUB_STEP_SUMMARY is set; says which
 * could not be written. `rtoTrend` is read (from the journals) only when there is a summary to write.
 */
export async function writeReports(record: RunRecord, files: ReportFiles, rtoTrend?: () => Promise<RtoTrend>): Promise<string[]> {
  const problems: string[] = []
  const summarised = (files.summary || process.env.GITHUB_STEP_SUMMARY) && !record.dryRun
  const trend = summarised
    ? await rtoTrend?.().catch((error: Error) => {
        problems.push(`Could not read the RTO of the earlier runs for the summary (${error.message}); it has this run's only.`)
        return undefined
      })
    : undefined
  const markdown = renderMarkdown(record, trend)
  const outcome = await writeReportFiles(
    [
      ...(files.junit ? [{what: 'JUnit report', file: files.junit, text: renderJunit(record)}] : []),
      ...(files.summary ? [{what: 'summary', file: files.summary, text: markdown}] : []),
    ],
    markdown,
  )
  return [...problems, ...outcome.problems]
}

/** A report a room has rendered (a run's JUnit, a scan's SARIF …), and the file it goes to. */
export interface ReportFile {
  /** Named in the sentences about it: "the JUnit report", "the csv report". */
  what: string
  file: string
  text: string
}

/**
 * The one way opsctl writes report files, whichever room rendered them: secrets masked, terminal control
 * characters stripped, and `stepSummary` (Markdown) appended to $GITHUB_STEP_SUMMARY when that is set.
 * A report that cannot be written is a problem to tell, never an error: it must not replace the outcome it reports.
 */
export async function writeReportFiles(reports: ReportFile[], stepSummary?: string): Promise<{written: ReportFile[]; problems: string[]}> {
  const github = process.env.GITHUB_STEP_SUMMARY
  const clean = (text: string) => maskSecrets(stripVTControlCharacters(text))
  const writes: [ReportFile, () => Promise<void>][] = reports.map((report) => [report, () => writeFile(report.file, clean(report.text))])
  if (github && stepSummary !== undefined) {
    const summary = {what: 'GitHub step summary', file: github, text: stepSummary}
    writes.push([summary, () => appendFile(github, `${clean(stepSummary)}\n`)])
  }
  const written: ReportFile[] = []
  const problems: string[] = []
  for (const [report, write] of writes) {
    await write().then(
      () => written.push(report),
      (error: Error) => problems.push(`Could not write the ${report.what} to ${report.file} (${error.message}).`),
    )
  }
  return {written, problems}
}
