import {appendFile, writeFile} from 'node:fs/promises'

import {type RunReporter, silentReporter} from '../engine/reporter.js'
import type {RunRecord} from '../engine/types.js'
import {renderJunit} from './junit.js'
import {LiveReporter} from './live.js'
import {renderMarkdown} from './markdown.js'
import {PlainReporter} from './plain.js'

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

/** Writes the requested report files, and the GitHub job summary when GITHUB_STEP_SUMMARY is set. */
export async function writeReports(record: RunRecord, files: ReportFiles): Promise<void> {
  if (files.junit) await writeFile(files.junit, renderJunit(record))
  const markdown = renderMarkdown(record)
  if (files.summary) await writeFile(files.summary, markdown)
  if (process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, markdown + '\n')
}
