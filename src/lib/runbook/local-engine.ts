import {dirname} from 'node:path'

import type {AwsSession} from '../aws/session.js'
import {newRunId} from '../engine/journal.js'
import {RunRecorder, type Settlement, toStepError} from '../engine/recorder.js'
import type {RunReporter} from '../engine/reporter.js'
import type {RunRecord, StepIO, StepResult} from '../engine/types.js'
import {runbookWorkflow} from '../engine/workflow-names.js'
import {InterruptedError, OpsctlError, StepTimeoutError, UsageError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import type {Clock} from '../time/clock.js'
import type {ActionResult, LocalStepContext} from './action.js'
import {actions} from './actions/index.js'
import {evaluateCondition} from './conditions.js'
import type {LoadedRunbook, RunbookStep} from './document.js'
import {isTrue, jumpTarget, nextOnSuccess, type StepNode, stepNodes} from './graph.js'
import {selectJsonPath} from './jsonpath.js'
import {documentNameOf, findDocument, loadValidRunbook} from './load.js'
import {coerceOutput} from './output-types.js'
import {interpolate, type Reference, referencesIn, stringsIn} from './references.js'
import {runbookSteps, unreachedNote} from './step-results.js'

export interface LocalRunOptions {
  runbook: LoadedRunbook
  /** Resolved (see resolveParameters). */
  parameters: Record<string, unknown>
  session: AwsSession
  /** Asks a person for aws:approve and aws:pause. */
  approve(question: string): Promise<void>
  /** Where aws:executeAutomation looks for `<DocumentName>.yaml|.yml|.json`, after the document's own directory. */
  documentDirs?: string[]
  runId?: string
  clock?: Clock
  reporter?: RunReporter
  interrupt?: AbortSignal
  /** false for nested documents, which live inside their parent's step. */
  journal?: boolean
}

export interface LocalRunOutcome {
  record: RunRecord
  exitCode: ExitCode
  /** Document outputs, unredacted (in memory only). */
  outputs: Record<string, unknown>
}

/**
 * Runs a document with the real SDK, walking its graph as SSM does: nextStep, isEnd, branch choices,
 * onFailure Abort / Continue / step:X, onCancel step:X, maxAttempts, timeoutSeconds and isCritical.
 * The run is recorded by the same recorder as every workflow (journal, reporters, exit code).
 */
export async function runLocally(options: LocalRunOptions): Promise<LocalRunOutcome> {
  const nodes = stepNodes(options.runbook.document!)
  const {steps, idOf} = runbookSteps(nodes)
  const recorder = new RunRecorder({
    workflow: runbookWorkflow(documentNameOf(options.runbook.file)),
    steps,
    parameters: options.parameters,
    runId: options.runId,
    clock: options.clock,
    reporter: options.reporter,
    region: options.session.region,
    interrupt: options.interrupt,
    journal: options.journal,
  })
  const run = new LocalRun(options, recorder, nodes, idOf)
  const {record, exitCode} = await recorder.run(() => run.walkDocument())
  return {record, exitCode, outputs: run.documentOutputs()}
}

type StepOutcome = {status: 'succeeded'; nextStep?: string} | {status: 'failed'; error: unknown}
type Walked = {status: 'ended'} | {status: 'failed'; error: unknown}

/** One local run of a document: the graph walk, the values references resolve to, and each step's attempts. */
class LocalRun {
  private readonly byName: Map<string, StepNode>
  private readonly stepOutputs = new Map<string, Record<string, unknown>>()
  private readonly variables: Record<string, unknown>
  private readonly parameterStore = new Map<string, unknown>()
  private readonly globals: Record<string, unknown>
  private readonly runs = new Map<string, number>()
  private criticalFailure?: unknown

  constructor(
    private readonly options: LocalRunOptions,
    private readonly recorder: RunRecorder,
    private readonly nodes: StepNode[],
    private readonly idOf: Map<string, string>,
  ) {
    this.byName = new Map(nodes.map((n) => [n.name, n]))
    this.variables = Object.fromEntries(Object.entries(options.runbook.document!.variables ?? {}).map(([k, v]) => [k, v?.default]))
    const now = new Date(recorder.clock.now()).toISOString()
    this.globals = {
      'global:REGION': options.session.region,
      'global:AWS_PARTITION': 'aws',
      'global:URL_SUFFIX': 'amazonaws.com',
      'global:DATE': now.slice(0, 10),
      'global:DATE_TIME': now.slice(0, 19).replace('T', '_').replaceAll(':', '.'),
      'automation:EXECUTION_ID': recorder.record.runId,
    }
  }

  async walkDocument(): Promise<Settlement> {
    if (JSON.stringify(this.options.runbook.document).includes('global:ACCOUNT_ID')) await this.readAccountId()
    const ended = await this.walk(
      this.nodes.filter((n) => !n.loop),
      this.recorder.interrupts.run,
    )
    const failure = ended.status === 'failed' ? ended.error : this.criticalFailure
    const status = failure === undefined ? 'succeeded' : failure instanceof InterruptedError ? 'interrupted' : 'failed'
    return {failure, outcome: failure === undefined ? this.documentOutputs() : undefined, unreached: () => unreachedNote(status)}
  }

  /** The document's outputs, as far as they resolve. */
  documentOutputs(): Record<string, unknown> {
    const outputs = this.options.runbook.document!.outputs
    return Object.fromEntries((Array.isArray(outputs) ? outputs : []).map((o) => [String(o), this.resolveQuietly(`{{ ${o} }}`)]))
  }

  private async readAccountId(): Promise<void> {
    const {GetCallerIdentityCommand, STSClient} = await import('@aws-sdk/client-sts')
    this.globals['global:ACCOUNT_ID'] = (await this.options.session.client(STSClient).send(new GetCallerIdentityCommand({}))).Account
  }

  private resolve(reference: Reference): unknown {
    switch (reference.kind) {
      case 'parameter':
        return this.options.parameters[reference.name]
      case 'variable':
        return this.variables[reference.name]
      case 'automation':
        return this.globals[reference.name]
      case 'parameter-store':
        return this.parameterStore.get(reference.text)
      case 'output': {
        const outputs = this.stepOutputs.get(reference.step)
        if (!outputs)
          throw new OpsctlError(
            `{{ ${reference.text} }} needs step ${reference.step}, which has not run on this path; reorder the steps or guard it with a branch.`,
            ExitCode.WorkflowFailed,
            'UnresolvedReference',
          )
        const [head, ...rest] = reference.output.split('.')
        let value = outputs[head]
        for (const key of rest) value = (value as Record<string, unknown> | undefined)?.[key]
        return value
      }
    }
  }

  private resolveQuietly(text: string): unknown {
    try {
      return interpolate(text, (r) => this.resolve(r))
    } catch {
      return undefined
    }
  }

  /** Walks one list of steps (mainSteps or a loop's Steps) from its first step until the path ends. */
  private async walk(scope: StepNode[], signal: AbortSignal): Promise<Walked> {
    const inScope = new Map(scope.map((n) => [n.name, n]))
    let current: StepNode | undefined = scope[0]
    while (current) {
      const outcome = await this.execute(current, signal)
      if (outcome.status === 'failed' && outcome.error instanceof InterruptedError) return this.cancelled(current, outcome, scope)
      const next: string | undefined | false =
        outcome.status === 'succeeded' ? (outcome.nextStep ?? nextOnSuccess(current)) : this.afterFailure(current, outcome.error)
      if (next === false) return outcome as Walked
      current = next === undefined ? undefined : (inScope.get(next) ?? this.byName.get(next))
    }
    return {status: 'ended'}
  }

  /** Where a failed step hands over (onFailure); false when the run aborts. A critical step's failure fails the run even so. */
  private afterFailure(node: StepNode, error: unknown): string | undefined | false {
    const onFailure = node.step.onFailure ?? 'Abort'
    if (onFailure === 'Abort') return false
    const critical = node.step.isCritical === undefined ? onFailure !== 'Continue' : isTrue(node.step.isCritical)
    if (critical) this.criticalFailure ??= new OpsctlError(toStepError(error).message, ExitCode.WorkflowFailed, toStepError(error).code)
    return onFailure === 'Continue' ? nextOnSuccess(node) : jumpTarget(onFailure)
  }

  /** The interrupt stopped the run; the onCancel step still runs, stopped only by a second interrupt. */
  private async cancelled(node: StepNode, outcome: StepOutcome, scope: StepNode[]): Promise<Walked> {
    const cleanup = scope.find((n) => n.name === jumpTarget(node.step.onCancel))
    if (cleanup) {
      const from = scope.slice(scope.indexOf(cleanup))
      await this.walk(
        from.map((n, i) => ({...n, index: i, scope: from})),
        this.recorder.interrupts.undo,
      )
    }
    return outcome as Walked
  }

  /** One execution of a step: up to maxAttempts attempts, each within its timeoutSeconds. */
  private async execute(node: StepNode, runSignal: AbortSignal): Promise<StepOutcome> {
    const result = this.recorder.result(this.idOf.get(node.name)!)
    const runs = (this.runs.get(node.name) ?? 0) + 1
    this.runs.set(node.name, runs)
    this.recorder.begin(result, undefined, runs > 1 ? `ran ${runs} times` : undefined)
    const attempts = Number(node.step.maxAttempts ?? 1)
    let failure: unknown
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (runSignal.aborted) {
        failure = runSignal.reason
        break
      }
      try {
        const response = await this.attempt(node, result, runSignal)
        const outputs = {...response.outputs, ...this.selectOutputs(node, response)}
        this.stepOutputs.set(node.name, outputs)
        await this.recorder.succeed(result, outputs)
        return {status: 'succeeded', nextStep: response.nextStep}
      } catch (error) {
        failure = error
        if (error instanceof InterruptedError || error instanceof UsageError) break
        if (attempt < attempts) this.recorder.progress(result, `attempt ${attempt} of ${attempts} failed (${(error as Error).message}); trying again`)
      }
    }
    await this.recorder.fail(result, failure)
    return {status: 'failed', error: failure}
  }

  private attempt(node: StepNode, result: StepResult, parent: AbortSignal): Promise<ActionResult> {
    const spec = actions.get(String(node.step.action))!
    const ms = node.step.timeoutSeconds === undefined ? undefined : Number(node.step.timeoutSeconds) * 1000
    return this.recorder.within(result, {parent, ms, expired: () => new StepTimeoutError(node.name, ms!)}, async (io) => {
      const raw = (node.step.inputs ?? {}) as Record<string, unknown>
      await this.fetchParameterStoreValues(raw)
      const inputs = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, spec.rawInputs?.includes(k) ? v : interpolate(v, (r) => this.resolve(r))]))
      return spec.run!(inputs, this.contextFor(node, io))
    })
  }

  private contextFor(node: StepNode, io: StepIO): LocalStepContext {
    return {
      session: this.options.session,
      io,
      step: node.step as RunbookStep & {name: string},
      approve: this.options.approve,
      setVariable: (name, value) => {
        this.variables[name] = value
      },
      evaluate: (condition) => evaluateCondition(interpolate(condition, (r) => this.resolve(r)) as Record<string, unknown>),
      runIteration: async (_steps, iteration, iteratorValue) => {
        this.stepOutputs.set(node.name, {CurrentIteration: iteration, CurrentIteratorValue: iteratorValue})
        const ended = await this.walk(
          this.nodes.filter((n) => n.loop === node.name),
          io.signal,
        )
        if (ended.status === 'failed') throw ended.error
      },
      runDocument: (name, parameters) => this.runNested(name, parameters, io),
    }
  }

  /** aws:executeAutomation: a document found beside this one or in runbooks/, run by the same engine without a journal of its own. */
  private async runNested(name: string, runtimeParameters: Record<string, unknown>, io: StepIO) {
    const dirs = [dirname(this.options.runbook.file), ...(this.options.documentDirs ?? [])]
    const file = findDocument(name, dirs)
    if (!file) throw new UsageError(`No document ${name} in ${dirs.join(' or ')}; add it there or run with --engine ssm.`, 'UnknownDocument')
    const nested = await loadValidRunbook(file)
    const parameters = Object.fromEntries(
      Object.entries(nested.document!.parameters ?? {}).map(([key, definition]) => {
        const given = runtimeParameters[key]
        const single = Array.isArray(given) && !String(definition.type).includes('List') ? given[0] : given
        return [key, single ?? definition.default]
      }),
    )
    const outcome = await runLocally({
      ...this.options,
      runbook: nested,
      parameters,
      runId: newRunId(new Date(this.recorder.clock.now())),
      journal: false,
      reporter: undefined,
      interrupt: io.signal,
    })
    const status = outcome.record.status === 'succeeded' ? 'Success' : outcome.record.status === 'interrupted' ? 'Cancelled' : 'Failed'
    return {executionId: outcome.record.runId, status, outputs: outcome.outputs}
  }

  private async fetchParameterStoreValues(inputs: Record<string, unknown>): Promise<void> {
    for (const {value} of stringsIn(inputs)) {
      for (const reference of referencesIn(value)) {
        if (reference.kind !== 'parameter-store' || !reference.text.startsWith('ssm:') || this.parameterStore.has(reference.text)) continue
        const {GetParameterCommand, SSMClient} = await import('@aws-sdk/client-ssm')
        const {Parameter} = await this.options.session.client(SSMClient).send(new GetParameterCommand({Name: reference.text.slice(4)}))
        this.parameterStore.set(reference.text, Parameter?.Value)
      }
    }
  }

  private selectOutputs(node: StepNode, result: ActionResult): Record<string, unknown> {
    if (!Array.isArray(node.step.outputs)) return {}
    const source = result.response ?? result.outputs
    return Object.fromEntries(
      node.step.outputs.map((o: {Name: string; Selector: string; Type: string}) => [
        o.Name,
        coerceOutput(selectJsonPath(source, o.Selector), o.Type, `${node.name}.${o.Name}`),
      ]),
    )
  }
}
