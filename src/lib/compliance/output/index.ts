import type {ComplianceResult} from '../types.js'
import {renderCsv} from './csv.js'
import {renderJunit} from './junit.js'
import {renderMarkdown} from './markdown.js'
import {renderOcsf} from './ocsf.js'
import {renderSarif} from './sarif.js'
import {renderTable, terminalView} from './table.js'

export const renderers = {
  table: renderTable,
  json: (result: ComplianceResult) => `${JSON.stringify(result, null, 2)}\n`,
  csv: renderCsv,
  junit: renderJunit,
  sarif: renderSarif,
  ocsf: renderOcsf,
  markdown: renderMarkdown,
} as const

export type OutputFormat = keyof typeof renderers
export const outputFormats = Object.keys(renderers) as OutputFormat[]

/** Whether a person sees the terminal table (which ends with the verdict line): the chosen format goes to a file, or is the table. */
export const showsTable = (options: {format: OutputFormat; output?: string}): boolean => options.format === 'table' || Boolean(options.output)

/**
 * What a person sees of a scan: the terminal table (the first findings of each check unless `allFindings`),
 * or the chosen format itself when it goes to stdout rather than to a file.
 */
export function scanView(result: ComplianceResult, options: {format: OutputFormat; output?: string; allFindings?: boolean}): string {
  if (!showsTable(options)) return renderers[options.format](result).trimEnd()
  return renderTable(result, options.allFindings ? {width: terminalView.width} : terminalView)
}
