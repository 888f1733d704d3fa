import {writeJournal} from '../engine/journal.js'
import {redact} from '../secrets/redact.js'
import {type RunReporter, silentReporter} from '../engine/reporter.js'
import type {Clock} from '../time/clock.js'
import type {RunRecord, RunStatus, StepError, StepOutputs, StepResult} from '../engine/types.js'
import {opsctlVersion} from '../version.js'
import {actions} from './actions/index.js'
import type {StepNode} from './graph.js'

/** `stopInstance` or `Stop_Instance` → `stop-instance`: the kebab-case step id journals and JUnit use. */
export function stepIdOf(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase() || 'step'
}

export interface RecorderOptions {
  workflow: string
  runId: string
  parameters: Record<string, unknown>
  nodes: StepNode[]
  clock: Clock
  reporter?: RunReporter
  region?: string
  /** A nested document's run lives in its parent step: no journal of its own. */
  journal?: boolean
}

/**
 * The one record of a runbook run, whichever engine runs it. SSM documents jump (nextStep, branches,
 * onFailure step:X), so the engine runner's linear walk cannot drive them; each engine walks or polls
 * the document itself and reports every step execution here, and this keeps the RunRecord, the journal
 * and the live reporters exactly as runWorkflow does for every other workflow. One StepResult per
 * document step (a step that runs again keeps its latest result and says how often it ran); steps
 * the run never reached end as skipped.
 */
export class RunbookRecorder {
  readonly record: RunRecord
  private readonly byName = new Map<string, StepResult>()
  private readonly runs = new Map<string, number>()
  private readonly reporter: RunReporter

  constructor(private readonly options: RecorderOptions) {
    this.reporter = options.reporter ?? silentReporter
    const used = new Set<string>()
    const steps = options.nodes.map((node) => {
      let id = stepIdOf(node.name)
      for (let n = 2; used.has(id); n++) id = `${stepIdOf(node.name)}-${n}`
      used.add(id)
      const action = String(node.step.action)
      const spec = actions.get(action)
      const inputs = (node.step.inputs ?? {}) as Record<string, unknown>
      const result: StepResult = {
        id,
        // The name first: it is how the document, its jumps and its outputs refer to the step.
        title: typeof node.step.description === 'string' ? `${node.name}: ${node.step.description.split('\n')[0]}` : `${node.name} (${action})`,
        mutates: spec?.mutates(inputs) ?? true,
        actions: [...new Set(spec?.calls(inputs).filter((a) => /^[a-z0-9-]+:[A-Za-z0-9*]+$/.test(a)) ?? [])],
        status: 'pending',
        calls: [],
      }
      this.byName.set(node.name, result)
      return result
    })
    this.record = {
      runId: options.runId,
      workflow: options.workflow,
      opsctlVersion,
      status: 'running',
      dryRun: false,
      parameters: redact(options.parameters),
      startedAt: this.now(),
      region: options.region,
      metrics: {},
      warnings: [],
      steps,
    }
  }

  result(name: string): StepResult {
    const result = this.byName.get(name)
    if (!result) throw new Error(`no step ${name} in this runbook`)
    return result
  }

  async start(): Promise<void> {
    this.reporter.runStarted(this.record)
    await this.save()
  }

  started(name: string, startedAt = this.now()): StepResult {
    const result = this.result(name)
    const runs = (this.runs.get(name) ?? 0) + 1
    this.runs.set(name, runs)
    Object.assign(result, {status: 'running', startedAt, endedAt: undefined, durationMs: undefined, error: undefined, note: runs > 1 ? `ran ${runs} times` : undefined})
    this.reporter.stepStarted(result)
    return result
  }

  progress(name: string, message: string): void {
    this.reporter.stepProgress(this.result(name), message)
  }

  warning(message: string): void {
    this.reporter.warning(message)
  }

  async finished(name: string, outcome: {status: 'succeeded' | 'failed'; outputs?: StepOutputs; error?: StepError; endedAt?: string}): Promise<void> {
    const result = this.result(name)
    const endedAt = outcome.endedAt ?? this.now()
    Object.assign(result, {
      status: outcome.status,
      outputs: outcome.outputs ? redact(outcome.outputs) : undefined,
      error: outcome.error,
      endedAt,
      durationMs: result.startedAt ? Math.max(0, Date.parse(endedAt) - Date.parse(result.startedAt)) : undefined,
    })
    this.reporter.stepFinished(result)
    await this.save()
  }

  async finish(status: RunStatus, error?: StepError, outcome?: Record<string, unknown>): Promise<RunRecord> {
    for (const step of this.record.steps) {
      if (step.status === 'pending' || step.status === 'running') {
        step.status = 'skipped'
        step.note = status === 'succeeded' ? 'not on the path this run took' : `not run: the run ${status === 'interrupted' ? 'was interrupted' : 'stopped'} before it`
        this.reporter.stepFinished(step)
      }
    }
    const endedAt = this.now()
    Object.assign(this.record, {status, error, outcome: outcome ? redact(outcome) : undefined, endedAt, durationMs: Date.parse(endedAt) - Date.parse(this.record.startedAt)})
    await this.save()
    await this.reporter.runFinished(this.record)
    return this.record
  }

  private now(): string {
    return new Date(this.options.clock.now()).toISOString()
  }

  private async save(): Promise<void> {
    if (this.options.journal !== false) await writeJournal(this.record)
  }
}
