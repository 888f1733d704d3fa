import {existsSync} from 'node:fs'
import {basename, dirname, extname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {type AwsCall, withinCallScope} from '../aws/call-log.js'
import {isNotFound} from '../aws/idempotent.js'
import type {AwsSession} from '../aws/session.js'
import {InterruptedError, OpsctlError, StepTimeoutError, UsageError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import {type Clock, systemClock} from '../time/clock.js'
import {ownedSignal, raceSignal} from '../engine/deadline.js'
import {Interrupts} from '../engine/interrupts.js'
import {newRunId} from '../engine/journal.js'
import type {RunReporter} from '../engine/reporter.js'
import {toStepError} from '../engine/runner.js'
import type {RunRecord, StepError, StepIO} from '../engine/types.js'
import type {ActionResult, ActionSpec, LocalStepContext} from './action.js'
import {actions} from './actions/index.js'
import {resolveAwsApi} from './aws-api.js'
import {evaluateCondition} from './conditions.js'
import {type LoadedRunbook, loadRunbookFile, type RunbookStep} from './document.js'
import {isTrue, jumpTarget, nextOnSuccess, type StepNode, stepNodes} from './graph.js'
import {selectJsonPath} from './jsonpath.js'
import {coerceOutput} from './output-types.js'
import {RunbookRecorder} from './recorder.js'
import {interpolate, type Reference, referencesIn, stringsIn} from './references.js'
import {formatDiagnostic, validateRunbook} from './validate.js'

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

/** The workflow name of a runbook run: its document name, e.g. runbook:opsctl-RestoreTest. */
export const documentNameOf = (file: string) => basename(file, extname(file))

/** The documents shipped with opsctl (runbooks/ beside dist/ and src/). */
export const shippedRunbooksDir = fileURLToPath(new URL('../../../runbooks/', import.meta.url))

/** Finds `<name>.yaml|.yml|.json` in the directories; undefined when none has it. */
export function findDocument(name: string, dirs: string[]): string | undefined {
  for (const dir of dirs) {
    for (const ext of ['.yaml', '.yml', '.json']) {
      const file = join(dir, `${name}${ext}`)
      if (existsSync(file)) return file
    }
  }
  return undefined
}

/**
 * Refuses, before anything runs, a document the local engine cannot run completely: an action only SSM
 * runs, a Service without an installed SDK client, a nested document that is not in runbooks/, or an
 * approval nobody can give (no terminal to ask on and no --approve): better refused than stopped half-way.
 */
export async function assertRunnableLocally(runbook: LoadedRunbook, dirs: string[], options: {canApprove: boolean}, seen = new Set<string>()): Promise<void> {
  seen.add(runbook.file)
  for (const node of stepNodes(runbook.document!)) {
    const spec = actions.get(String(node.step.action))!
    const where = `${runbook.file}:${runbook.at([...node.path, 'action']).line}`
    if (!spec.run) throw new UsageError(`Step ${node.name} (${where}) uses ${spec.name}, which the local engine cannot run; run it with --engine ssm.`, 'NotRunnableLocally')
    if (!options.canApprove && (spec.name === 'aws:approve' || spec.name === 'aws:pause')) {
      throw new UsageError(`Step ${node.name} (${where}) waits for an approval and there is no terminal to ask on; pass --approve to approve it. Nothing was run.`, 'ConfirmationRequired')
    }
    const inputs = (node.step.inputs ?? {}) as Record<string, unknown>
    const literal = (v: unknown): v is string => typeof v === 'string' && !v.includes('{{')
    if (literal(inputs.Service) && literal(inputs.Api)) await resolveAwsApi(inputs.Service, inputs.Api)
    if (spec.name === 'aws:executeAutomation' && literal(inputs.DocumentName)) {
      const file = findDocument(inputs.DocumentName, [dirname(runbook.file), ...dirs])
      if (!file) throw new UsageError(`Step ${node.name} (${where}) runs document ${inputs.DocumentName}, which is not in ${[dirname(runbook.file), ...dirs].join(' or ')}; add it there or run with --engine ssm.`, 'UnknownDocument')
      if (!seen.has(file)) await assertRunnableLocally(await loadValidRunbook(file), dirs, options, seen)
    }
  }
}

/**
 * As for every workflow: a resource that does not exist, met before anything was changed, is bad input (exit 2);
 * once a changing step has succeeded, a failure is exit 1.
 */
function exitCodeOf(status: 'succeeded' | 'failed' | 'interrupted', cause: unknown, record: RunRecord): ExitCode {
  if (status === 'succeeded') return ExitCode.Success
  if (status === 'interrupted') return ExitCode.Interrupted
  const changed = record.steps.some((s) => s.mutates && s.status === 'succeeded')
  if (changed) return ExitCode.WorkflowFailed
  if (cause instanceof OpsctlError) return cause.exitCode
  return isNotFound(cause) ? ExitCode.Usage : ExitCode.WorkflowFailed
}

/** Loads a document and refuses it (exit 2, every error with file:line:column) unless it is valid. */
export async function loadValidRunbook(file: string): Promise<LoadedRunbook> {
  const runbook = await loadRunbookFile(file).catch((error) => {
    throw new UsageError(`Cannot read runbook ${file}: ${(error as Error).message}.`, 'NotFound')
  })
  const errors = validateRunbook(runbook).filter((d) => d.severity === 'error')
  if (errors.length > 0) {
    throw new UsageError(`Runbook ${file} is not valid; nothing was run:\n${errors.map(formatDiagnostic).join('\n')}`, 'InvalidRunbook')
  }
  return runbook
}

type StepOutcome = {status: 'succeeded'; nextStep?: string} | {status: 'failed'; error: unknown}

/**
 * Runs a document with the real SDK, walking its graph as SSM does: nextStep, isEnd, branch choices,
 * onFailure Abort / Continue / step:X, onCancel step:X, maxAttempts, timeoutSeconds and isCritical.
 */
export async function runLocally(options: LocalRunOptions): Promise<LocalRunOutcome> {
  const clock = options.clock ?? systemClock
  const document = options.runbook.document!
  const nodes = stepNodes(document)
  const byName = new Map(nodes.map((n) => [n.name, n]))
  const runId = options.runId ?? newRunId(new Date(clock.now()))
  const recorder = new RunbookRecorder({
    workflow: `runbook:${documentNameOf(options.runbook.file)}`, runId, parameters: options.parameters, nodes, clock,
    reporter: options.reporter, region: options.session.region, journal: options.journal,
  })
  const dirs = [dirname(options.runbook.file), ...(options.documentDirs ?? [])]
  const stepOutputs = new Map<string, Record<string, unknown>>()
  const variables: Record<string, unknown> = Object.fromEntries(Object.entries(document.variables ?? {}).map(([k, v]) => [k, v?.default]))
  const parameterStore = new Map<string, unknown>()
  // Listened to until the record is final, so that no signal can leave the journal "running".
  const interrupts = new Interrupts(options.interrupt).listen()
  const now = new Date(clock.now()).toISOString()
  const globals: Record<string, unknown> = {
    'global:REGION': options.session.region, 'global:AWS_PARTITION': 'aws', 'global:URL_SUFFIX': 'amazonaws.com',
    'global:DATE': now.slice(0, 10), 'global:DATE_TIME': now.slice(0, 19).replace('T', '_').replaceAll(':', '.'),
    'automation:EXECUTION_ID': runId,
  }
  let criticalFailure: StepError | undefined

  const resolve = (reference: Reference): unknown => {
    switch (reference.kind) {
      case 'parameter': return options.parameters[reference.name]
      case 'variable': return variables[reference.name]
      case 'automation': return globals[reference.name]
      case 'parameter-store': return parameterStore.get(reference.text)
      case 'output': {
        const outputs = stepOutputs.get(reference.step)
        if (!outputs) throw new OpsctlError(`{{ ${reference.text} }} needs step ${reference.step}, which has not run on this path; reorder the steps or guard it with a branch.`, ExitCode.WorkflowFailed, 'UnresolvedReference')
        const [head, ...rest] = reference.output.split('.')
        let value = outputs[head]
        for (const key of rest) value = (value as Record<string, unknown> | undefined)?.[key]
        return value
      }
    }
  }

  try {
    await recorder.start()
    const {status, error, cause} = await walkDocument()
    const outputs = Object.fromEntries((Array.isArray(document.outputs) ? document.outputs : []).map((o) => [String(o), resolveQuietly(`{{ ${o} }}`)]))
    const record = await recorder.finish(status, error, status === 'succeeded' ? outputs : undefined)
    return {record, exitCode: exitCodeOf(status, cause, record), outputs}
  } finally {
    interrupts.close()
  }

  async function walkDocument(): Promise<{status: 'succeeded' | 'failed' | 'interrupted'; error?: StepError; cause?: unknown}> {
    if (JSON.stringify(document).includes('global:ACCOUNT_ID')) {
      const {GetCallerIdentityCommand, STSClient} = await import('@aws-sdk/client-sts')
      globals['global:ACCOUNT_ID'] = (await options.session.client(STSClient).send(new GetCallerIdentityCommand({}))).Account
    }
    const ended = await walk(nodes.filter((n) => !n.loop), interrupts.run)
    if (ended.status === 'failed') return {status: ended.error instanceof InterruptedError ? 'interrupted' : 'failed', error: toStepError(ended.error), cause: ended.error}
    return criticalFailure ? {status: 'failed', error: criticalFailure} : {status: 'succeeded'}
  }

  function resolveQuietly(text: string): unknown {
    try {
      return interpolate(text, resolve)
    } catch {
      return undefined
    }
  }

  /** Walks one list of steps (mainSteps or a loop's Steps) from its first step until the path ends. */
  async function walk(scope: StepNode[], signal: AbortSignal): Promise<{status: 'ended'} | {status: 'failed'; error: unknown}> {
    const inScope = new Map(scope.map((n) => [n.name, n]))
    let current: StepNode | undefined = scope[0]
    while (current) {
      const outcome = await execute(current, signal)
      let next: string | undefined
      if (outcome.status === 'succeeded') next = outcome.nextStep ?? nextOnSuccess(current)
      else if (outcome.error instanceof InterruptedError) {
        const cleanup = jumpTarget(current.step.onCancel)
        // The interrupt stopped the run; the onCancel step still runs, stopped only by a second interrupt.
        if (cleanup && inScope.has(cleanup)) await walkFrom(inScope.get(cleanup)!, scope)
        return outcome
      } else {
        const onFailure = current.step.onFailure ?? 'Abort'
        const critical = current.step.isCritical === undefined ? onFailure !== 'Continue' : isTrue(current.step.isCritical)
        if (onFailure === 'Abort') return outcome
        if (critical) criticalFailure ??= toStepError(outcome.error)
        next = onFailure === 'Continue' ? nextOnSuccess(current) : jumpTarget(onFailure)
      }
      current = next === undefined ? undefined : inScope.get(next) ?? byName.get(next)
    }
    return {status: 'ended'}
  }

  async function walkFrom(start: StepNode, scope: StepNode[]): Promise<void> {
    const index = scope.indexOf(start)
    await walk(scope.slice(index).map((n, i) => ({...n, index: i, scope: scope.slice(index)})), interrupts.undo)
  }

  async function execute(node: StepNode, runSignal: AbortSignal): Promise<StepOutcome> {
    const spec = actions.get(String(node.step.action))!
    const result = recorder.started(node.name, new Date(clock.now()).toISOString())
    const attempts = Number(node.step.maxAttempts ?? 1)
    let failure: unknown
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (runSignal.aborted) {
        failure = runSignal.reason
        break
      }
      try {
        const response = await runOnce(spec, node, runSignal, result.calls)
        const outputs = {...response.outputs, ...selectOutputs(node, response)}
        stepOutputs.set(node.name, outputs)
        await recorder.finished(node.name, {status: 'succeeded', outputs, endedAt: new Date(clock.now()).toISOString()})
        return {status: 'succeeded', nextStep: response.nextStep}
      } catch (error) {
        failure = error
        if (error instanceof InterruptedError || error instanceof UsageError) break
        if (attempt < attempts) recorder.progress(node.name, `attempt ${attempt} of ${attempts} failed (${(error as Error).message}); trying again`)
      }
    }
    await recorder.finished(node.name, {status: 'failed', error: toStepError(failure), endedAt: new Date(clock.now()).toISOString()})
    return {status: 'failed', error: failure}
  }

  async function runOnce(spec: ActionSpec, node: StepNode, runSignal: AbortSignal, calls: AwsCall[]): Promise<ActionResult> {
    const timeoutMs = node.step.timeoutSeconds === undefined ? undefined : Number(node.step.timeoutSeconds) * 1000
    const owned = ownedSignal(clock, {parent: runSignal, ms: timeoutMs, expired: () => new StepTimeoutError(node.name, timeoutMs!)})
    const {signal} = owned
    const io: StepIO = {
      runId, clock, signal,
      progress: (message) => recorder.progress(node.name, message),
      warn: (message) => recorder.warning(message),
      outputOf: (id) => stepOutputs.get(id),
      metric: () => undefined,
      missed: () => undefined,
    }
    const retryUntil = timeoutMs === undefined ? undefined : Date.now() + timeoutMs
    try {
      return await withinCallScope({calls, signal, retryUntil}, () => raceSignal((async () => {
        const raw = (node.step.inputs ?? {}) as Record<string, unknown>
        await fetchParameterStoreValues(raw)
        const inputs = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, spec.rawInputs?.includes(k) ? v : interpolate(v, resolve)]))
        return spec.run!(inputs, contextFor(node, io))
      })(), signal))
    } finally {
      owned.dispose()
    }
  }

  function contextFor(node: StepNode, io: StepIO): LocalStepContext {
    return {
      session: options.session,
      io,
      step: node.step as RunbookStep & {name: string},
      approve: options.approve,
      setVariable: (name, value) => {
        variables[name] = value
      },
      evaluate: (condition) => evaluateCondition(interpolate(condition, resolve) as Record<string, unknown>),
      runIteration: async (_steps, iteration, iteratorValue) => {
        stepOutputs.set(node.name, {CurrentIteration: iteration, CurrentIteratorValue: iteratorValue})
        const ended = await walk(nodes.filter((n) => n.loop === node.name), io.signal)
        if (ended.status === 'failed') throw ended.error
      },
      runDocument: async (name, runtimeParameters) => {
        const file = findDocument(name, dirs)
        if (!file) throw new UsageError(`No document ${name} in ${dirs.join(' or ')}; add it there or run with --engine ssm.`, 'UnknownDocument')
        const nested = await loadValidRunbook(file)
        const parameters = Object.fromEntries(Object.entries(nested.document!.parameters ?? {}).map(([key, definition]) => {
          const given = runtimeParameters[key]
          const single = Array.isArray(given) && !String(definition.type).includes('List') ? given[0] : given
          return [key, single ?? definition.default]
        }))
        const outcome = await runLocally({...options, runbook: nested, parameters, runId: newRunId(new Date(clock.now())), journal: false, reporter: undefined, interrupt: io.signal})
        return {executionId: outcome.record.runId, status: outcome.record.status === 'succeeded' ? 'Success' : outcome.record.status === 'interrupted' ? 'Cancelled' : 'Failed', outputs: outcome.outputs}
      },
    }
  }

  async function fetchParameterStoreValues(inputs: Record<string, unknown>): Promise<void> {
    for (const {value} of stringsIn(inputs)) {
      for (const reference of referencesIn(value)) {
        if (reference.kind !== 'parameter-store' || !reference.text.startsWith('ssm:') || parameterStore.has(reference.text)) continue
        const {GetParameterCommand, SSMClient} = await import('@aws-sdk/client-ssm')
        const {Parameter} = await options.session.client(SSMClient).send(new GetParameterCommand({Name: reference.text.slice(4)}))
        parameterStore.set(reference.text, Parameter?.Value)
      }
    }
  }

  function selectOutputs(node: StepNode, result: ActionResult): Record<string, unknown> {
    if (!Array.isArray(node.step.outputs)) return {}
    const source = result.response ?? result.outputs
    return Object.fromEntries(node.step.outputs.map((o: {Name: string; Selector: string; Type: string}) => [
      o.Name, coerceOutput(selectJsonPath(source, o.Selector), o.Type, `${node.name}.${o.Name}`),
    ]))
  }
}
