import {appendFile, writeFile} from 'node:fs/promises'

import {type RunReporter, silentReporter} from '../engine/reporter.js'
import {maskSecrets} from '../secrets/secrets.js'
import type {RunRecord} from '../engine/types.js'
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
  const trend = summarised ? await rtoTrend?.().catch((error: Error) => {
    problems.push(`Could not read the RTO of the earlier runs for the summary (${error.message}); it has this run's only.`)
    return undefined
  }) : undefined
  const markdown = maskSecrets(renderMarkdown(record, trend))
  const writes: [string, string | undefined, () => Promise<void>][] = [
    ['JUnit report', files.junit, () => writeFile(files.junit!, maskSecrets(renderJunit(record)))],
    ['summary', files.summary, () => writeFile(files.summary!, markdown)],
    ['GitHub step summary', process.env.GITHUB_STEP_SUMMARY, () => appendFile(process.env.GITHUB_STEP_SUMMARY!, markdown + '\n')],
  ]
  for (const [what, file, write] of writes) {
    if (file) await write().catch((error: Error) => problems.push(`Could not write the ${what} to ${file} (${error.message}).`))
  }
  return problems
}
