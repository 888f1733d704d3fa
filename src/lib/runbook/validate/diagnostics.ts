import {didYouMean} from '../../errors/did-you-mean.js'
import type {LoadedRunbook, NodePath, Position, Refusal} from '../document.js'

export interface Diagnostic {
  severity: 'error' | 'warning'
  /** Stable name of the rule, e.g. unknown-action. */
  rule: string
  file: string
  line: number
  column: number
  message: string
  /** How to fix it. */
  fix: string
}

export const formatDiagnostic = (d: Diagnostic) => `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message} Fix: ${d.fix} [${d.rule}]`

/**
 * How many names "did you mean" may compare in one document: enough for every typo of a person, and a bound
 * on a hostile document that names thousands of unknown steps among thousands of real ones.
 */
const SUGGESTION_BUDGET = 50_000

/** The problems found in one document, each placed at file:line:column. */
export class Diagnostics {
  private readonly found: Diagnostic[] = []
  private budget = SUGGESTION_BUDGET

  constructor(private readonly runbook: LoadedRunbook) {}

  error(rule: string, path: NodePath, message: string, fix: string, onKey = false): void {
    this.add('error', rule, path, message, fix, onKey)
  }

  warning(rule: string, path: NodePath, message: string, fix: string, onKey = false): void {
    this.add('warning', rule, path, message, fix, onKey)
  }

  /** What kept the document from being read at all: bad syntax, or a limit it is beyond. */
  refused(refusal: Refusal): void {
    this.place('error', refusal.rule, refusal.at, refusal.message, refusal.fix)
  }

  /** A problem of the file as a whole (its size), placed at its start without working out any node's position. */
  warnAboutFile(rule: string, message: string, fix: string): void {
    this.place('warning', rule, {line: 1, column: 1}, message, fix)
  }

  /** "did you mean X?", or the first names there are. */
  suggest(word: string, candidates: readonly string[], noun: string): string {
    this.budget -= candidates.length
    return didYouMean(word, candidates, noun, {compare: this.budget >= 0})
  }

  /** In the order of the file. */
  list(): Diagnostic[] {
    return this.found.sort((a, b) => a.line - b.line || a.column - b.column)
  }

  private add(severity: Diagnostic['severity'], rule: string, path: NodePath, message: string, fix: string, onKey: boolean): void {
    this.place(severity, rule, onKey ? this.runbook.keyAt(path) : this.runbook.at(path), message, fix)
  }

  private place(severity: Diagnostic['severity'], rule: string, {line, column}: Position, message: string, fix: string): void {
    this.found.push({severity, rule, file: this.runbook.file, line, column, message, fix})
  }
}
