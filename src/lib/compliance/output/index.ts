import {UsageError} from '../../errors/errors.js'
import type {ComplianceResult} from '../types.js'
import {renderCsv} from './csv.js'
import {renderJunit} from './junit.js'
import {renderMarkdown} from './markdown.js'
import {renderOcsf} from './ocsf.js'
import {renderSarif} from './sarif.js'
import {renderTable} from './table.js'

export const renderers = {
  table: renderTable,
  json: (result: ComplianceResult) => JSON.stringify(result, null, 2) + '\n',
  csv: renderCsv,
  junit: renderJunit,
  sarif: renderSarif,
  ocsf: renderOcsf,
  markdown: renderMarkdown,
} as const

export type OutputFormat = keyof typeof renderers
export const outputFormats = Object.keys(renderers) as OutputFormat[]

export function assertFormat(value: string): OutputFormat {
  if (!(outputFormats as string[]).includes(value)) throw new UsageError(`Unknown format "${value}"; choose from ${outputFormats.join(', ')}.`, 'UnknownFormat')
  return value as OutputFormat
}

export {renderMarkdown} from './markdown.js'
