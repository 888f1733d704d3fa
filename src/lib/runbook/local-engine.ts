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
import {isTrue, jumpTarget, nextOnSuccess, type StepNode, stepNodes, stepsAhead} from './graph.js'
import {selectJsonPath} from './jsonpath.js'
import {asksAPerson, documentNameOf, findDocument, loadValidRunbook} from './load.js'
import {coerceOutput} from './output-types.js'
import {interpolate, type Reference, referencesIn, stringsIn} from './references.js'
import {assertResumableLocally, finished, lastPosition, type WalkPosition} from './resume.js'
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
  /** Runs the steps that neither change anything nor ask a person; from the first that does, plans every step the run may go on to. */
  dryRun?: boolean
  /** The journal of an earlier attempt: the run carries on after the last step it finished, with the outputs and variables it had. */
  resume?: RunRecord
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
    dryRun: options.dryRun,
    resume: options.resume,
  })
  if (options.resume) assertResumableLocally(options.resume, steps)
  const run = new LocalRun(options, recorder, nodes, idOf)
  const {record, exitCode} = await recorder.run(() => run.walkDocument())
  return {record, exitCode, outputs: run.documentOutputs()}
}

type StepOutcome = {status: 'succeeded'; nextStep?: string} | {status: 'failed'; error: unknown} | {status: 'planned'}
/** How a walk ended: at the end of its path, at a failure, or (in a dry run) at the step planning started from. */
type Walked = {status: 'ended'} | {status: 'failed'; error: unknown} | {status: 'planned'; from: StepNode}

/** One local run of a document: the graph walk, the values references resolve to, and each step's attempts. */
class LocalRun {
  private readonly byName: Map<string, StepNode>
  private readonly stepOutputs = new Map<string, Record<string, unknown>>()
  private readonly variables: Record<string, unknown>
  private readonly parameterStore = new Map<string, unknown>()
  private readonly globals: Record<string, unknown>
  private readonly runs = new Map<string, number>()
  /** How many steps of the run's walk have finished, earlier attempts included: orders the journalled positions. */
  private finished = 0
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
    const mainSteps = this.nodes.filter((n) => !n.loop)
    const start = this.carryOnFromEarlierAttempt(mainSteps)
    const ended: Walked = start ? await this.walk(mainSteps, this.recorder.interrupts.run, start) : {status: 'ended'}
    if (ended.status === 'planned') {
      for (const node of stepsAhead(ended.from, this.nodes)) this.recorder.plan(this.resultOf(node))
    }
    const failure = ended.status === 'failed' ? ended.error : this.criticalFailure
    const status = failure === undefined ? 'succeeded' : failure instanceof InterruptedError ? 'interrupted' : 'failed'
    const complete = failure === undefined && ended.status === 'ended'
    return {failure, outcome: complete ? this.documentOutputs() : undefined, unreached: () => unreachedNote(status)}
  }

  /**
   * Where a resumed run carries on (undefined: its path had ended): after the last step the earlier attempt finished,
   * with that step's variables and every finished step's outputs. The finished steps it cannot come back to are skipped as completed.
   */
  private carryOnFromEarlierAttempt(mainSteps: StepNode[]): StepNode | undefined {
    const previous = this.options.resume
    const position = previous && lastPosition(previous)
    if (!position) return mainSteps[0]
    Object.assign(this.variables, position.variables)
    this.finished = position.finished
    const next = position.next === null ? undefined : this.byName.get(position.next)
    const ahead = new Set(next ? stepsAhead(next, this.nodes) : [])
    for (const earlier of previous.steps.filter(finished)) {
      const node = this.nodes.find((n) => this.idOf.get(n.name) === earlier.id)!
      this.stepOutputs.set(node.name, earlier.outputs ?? {})
      if (!ahead.has(node)) this.recorder.reuse(this.resultOf(node), earlier)
    }
    return next
  }

  private resultOf(node: StepNode): StepResult {
    return this.recorder.result(this.idOf.get(node.name)!)
  }

  /** What a dry run runs: a step that neither changes anything nor asks a person; a loop only when every step inside it is such. */
  private runsInDryRun(node: StepNode): boolean {
    if (this.resultOf(node).mutates || asksAPerson(String(node.step.action))) return false
    return this.nodes.filter((n) => n.loop === node.name).every((n) => this.runsInDryRun(n))
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

  /** Walks one list of steps (mainSteps or a loop's Steps) from its first step (or `from`) until the path ends. */
  private async walk(scope: StepNode[], signal: AbortSignal, from = scope[0]): Promise<Walked> {
    const inScope = new Map(scope.map((n) => [n.name, n]))
    let current: StepNode | undefined = from
    while (current) {
      const outcome = await this.execute(current, signal)
      if (outcome.status === 'planned') return {status: 'planned', from: current}
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
    if (this.options.dryRun && !this.runsInDryRun(node)) return {status: 'planned'}
    const result = this.resultOf(node)
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
        const {outputs, nextStep} = await this.attempt(node, result, runSignal)
        this.stepOutputs.set(node.name, outputs)
        await this.recorder.succeed(result, outputs)
        return {status: 'succeeded', nextStep}
      } catch (error) {
        failure = error
        if (error instanceof InterruptedError || error instanceof UsageError) break
        if (attempt < attempts) this.recorder.progress(result, `attempt ${attempt} of ${attempts} failed (${(error as Error).message}); trying again`)
      }
    }
    await this.recorder.fail(result, failure)
    return {status: 'failed', error: failure}
  }

  /** One attempt: the step's outputs and the step it chose; a step of mainSteps journals where the run goes on, for a resume. */
  private attempt(node: StepNode, result: StepResult, parent: AbortSignal): Promise<{outputs: Record<string, unknown>; nextStep?: string}> {
    const spec = actions.get(String(node.step.action))!
    const ms = node.step.timeoutSeconds === undefined ? undefined : Number(node.step.timeoutSeconds) * 1000
    return this.recorder.within(result, {parent, ms, expired: () => new StepTimeoutError(node.name, ms!)}, async (io) => {
      const raw = (node.step.inputs ?? {}) as Record<string, unknown>
      await this.fetchParameterStoreValues(raw)
      const inputs = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, spec.rawInputs?.includes(k) ? v : interpolate(v, (r) => this.resolve(r))]))
      const response = await spec.run!(inputs, this.contextFor(node, io))
      const outputs = {...response.outputs, ...this.selectOutputs(node, response)}
      if (!node.loop) {
        const position: WalkPosition = {finished: ++this.finished, next: response.nextStep ?? nextOnSuccess(node) ?? null, variables: {...this.variables}}
        await io.checkpoint(position)
      }
      return {outputs, nextStep: response.nextStep}
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
