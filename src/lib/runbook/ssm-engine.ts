import {isDeepStrictEqual} from 'node:util'

import {
  CreateDocumentCommand,
  DescribeAutomationStepExecutionsCommand,
  GetAutomationExecutionCommand,
  GetDocumentCommand,
  InvalidDocument,
  SSMClient,
  StartAutomationExecutionCommand,
  type StepExecution,
  StopAutomationExecutionCommand,
  type TargetLocation,
  UpdateDocumentCommand,
  UpdateDocumentDefaultVersionCommand,
} from '@aws-sdk/client-ssm'
import {parse} from 'yaml'

import type {AwsSession} from '../aws/session.js'
import {RunRecorder, type Settlement} from '../engine/recorder.js'
import type {RunReporter} from '../engine/reporter.js'
import type {RunRecord} from '../engine/types.js'
import {runbookWorkflow} from '../engine/workflow-names.js'
import {NotFoundError, OpsctlError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import type {Clock} from '../time/clock.js'
import type {LoadedRunbook} from './document.js'
import {stepNodes} from './graph.js'
import {documentNameOf} from './load.js'
import {runbookSteps, unreachedNote} from './step-results.js'

export interface PublishedDocument {
  name: string
  file: string
  version: string
  change: 'created' | 'updated' | 'unchanged'
}

/** Creates or updates the Automation document; an unchanged document gets no new version. */
export async function publishDocument(session: AwsSession, runbook: LoadedRunbook, name = documentNameOf(runbook.file)): Promise<PublishedDocument> {
  const ssm = session.client(SSMClient)
  const content = runbook.text
  const DocumentFormat = runbook.format
  const existing = await ssm.send(new GetDocumentCommand({Name: name})).catch((error) => {
    if (error instanceof InvalidDocument) return undefined
    throw error
  })
  if (!existing) {
    const {DocumentDescription} = await ssm.send(new CreateDocumentCommand({Name: name, Content: content, DocumentType: 'Automation', DocumentFormat}))
    return {name, file: runbook.file, version: DocumentDescription?.DocumentVersion ?? '1', change: 'created'}
  }
  // Compare what the documents say, not how they are formatted.
  if (isDeepStrictEqual(parse(existing.Content ?? ''), runbook.document))
    return {name, file: runbook.file, version: existing.DocumentVersion ?? '1', change: 'unchanged'}
  const {DocumentDescription} = await ssm.send(new UpdateDocumentCommand({Name: name, Content: content, DocumentFormat, DocumentVersion: '$LATEST'}))
  const version = DocumentDescription!.DocumentVersion!
  await ssm.send(new UpdateDocumentDefaultVersionCommand({Name: name, DocumentVersion: version}))
  return {name, file: runbook.file, version, change: 'updated'}
}

export interface SsmRunOptions {
  runbook: LoadedRunbook
  parameters: Record<string, unknown>
  session: AwsSession
  runId: string
  documentName?: string
  targetLocations?: TargetLocation[]
  maxConcurrency?: string
  maxErrors?: string
  reporter?: RunReporter
  clock?: Clock
  pollIntervalMs?: number
  interrupt?: AbortSignal
}

const stepStatus = (s: StepExecution['StepStatus']): 'running' | 'succeeded' | 'failed' | undefined =>
  s === 'Success'
    ? 'succeeded'
    : s === 'Failed' || s === 'TimedOut' || s === 'Cancelled'
      ? 'failed'
      : s === 'InProgress' || s === 'Waiting'
        ? 'running'
        : undefined
const finalStatus: Record<string, 'succeeded' | 'failed' | 'interrupted'> = {
  Success: 'succeeded',
  CompletedWithSuccess: 'succeeded',
  Failed: 'failed',
  TimedOut: 'failed',
  CompletedWithFailure: 'failed',
  Cancelled: 'interrupted',
  Exited: 'failed',
}

/** SSM wants every parameter value as a list of strings. */
const asSsmParameters = (parameters: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(parameters)
      .filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))]),
  )

/**
 * Publishes the document, starts the automation and follows its step executions, reporting each to the
 * same recorder (journal, live view, reports, exit code) as every run. Ctrl-C stops the execution in SSM.
 */
export async function runInSsm(options: SsmRunOptions): Promise<{record: RunRecord; exitCode: ExitCode; executionId: string}> {
  const ssm = options.session.client(SSMClient)
  const published = await publishDocument(options.session, options.runbook, options.documentName)
  const {AutomationExecutionId} = await ssm.send(
    new StartAutomationExecutionCommand({
      DocumentName: published.name,
      DocumentVersion: published.version,
      Parameters: asSsmParameters(options.parameters),
      TargetLocations: options.targetLocations,
      MaxConcurrency: options.maxConcurrency,
      MaxErrors: options.maxErrors,
      ClientToken: options.runId,
    }),
  )
  const executionId = AutomationExecutionId!
  const {steps, idOf} = runbookSteps(stepNodes(options.runbook.document!))
  const recorder = new RunRecorder({
    workflow: runbookWorkflow(published.name),
    steps,
    runId: options.runId,
    parameters: {...options.parameters, executionId},
    clock: options.clock,
    reporter: options.reporter,
    region: options.session.region,
    interrupt: options.interrupt,
  })
  // An interrupt cancels the execution in SSM; the run ends when SSM says it was cancelled.
  recorder.interrupts.run.addEventListener(
    'abort',
    () => void ssm.send(new StopAutomationExecutionCommand({AutomationExecutionId: executionId, Type: 'Cancel'})).catch(() => undefined),
    {once: true},
  )
  const {record, exitCode} = await recorder.run(() => follow(ssm, executionId, recorder, idOf, options.pollIntervalMs ?? 5000))
  return {record, exitCode, executionId}
}

/** The step executions of the automation, every page. */
async function stepExecutions(ssm: SSMClient, executionId: string): Promise<StepExecution[]> {
  const steps: StepExecution[] = []
  let NextToken: string | undefined
  do {
    const page = await ssm.send(new DescribeAutomationStepExecutionsCommand({AutomationExecutionId: executionId, NextToken}))
    steps.push(...(page.StepExecutions ?? []))
    NextToken = page.NextToken
  } while (NextToken)
  return steps
}

/** Records a step execution as it changes; a step of a nested document or a target is reported by its own execution. */
async function recordStep(recorder: RunRecorder, step: StepExecution, id: string | undefined): Promise<void> {
  const status = stepStatus(step.StepStatus)
  if (!status || !id) return
  const result = recorder.result(id)
  const startedAt = step.ExecutionStartTime?.toISOString()
  if (status === 'running' || !result.startedAt) recorder.begin(result, startedAt)
  if (status === 'succeeded') await recorder.succeed(result, step.Outputs, step.ExecutionEndTime?.toISOString())
  if (status === 'failed')
    await recorder.fail(
      result,
      new OpsctlError(step.FailureMessage ?? `${step.StepName} ${step.StepStatus}`, ExitCode.WorkflowFailed, step.StepStatus ?? 'Failed'),
      step.ExecutionEndTime?.toISOString(),
    )
}

/** Polls the execution until it ends, turning each step execution into a step result as it changes. */
async function follow(ssm: SSMClient, executionId: string, recorder: RunRecorder, idOf: Map<string, string>, pollIntervalMs: number): Promise<Settlement> {
  const seen = new Map<string, string>()
  for (;;) {
    const {AutomationExecution: execution} = await ssm.send(new GetAutomationExecutionCommand({AutomationExecutionId: executionId}))
    for (const step of await stepExecutions(ssm, executionId)) {
      const key = `${step.StepExecutionId}:${step.StepStatus}`
      if (seen.get(step.StepExecutionId ?? step.StepName ?? '') === key) continue
      seen.set(step.StepExecutionId ?? step.StepName ?? '', key)
      await recordStep(recorder, step, idOf.get(step.StepName ?? ''))
    }
    const status = finalStatus[execution?.AutomationExecutionStatus ?? '']
    if (status === 'succeeded') return {outcome: (execution?.Outputs as Record<string, unknown> | undefined) ?? {}, unreached: () => unreachedNote(status)}
    if (status) {
      const message = `Automation execution ${executionId} ended ${execution?.AutomationExecutionStatus}${execution?.FailureMessage ? `: ${execution.FailureMessage}` : ''}.`
      const failure = new OpsctlError(
        message,
        status === 'interrupted' ? ExitCode.Interrupted : ExitCode.WorkflowFailed,
        execution?.AutomationExecutionStatus ?? 'Failed',
      )
      return {failure, unreached: () => unreachedNote(status)}
    }
    await recorder.clock.sleep(pollIntervalMs)
  }
}

export interface AutomationStatus {
  executionId: string
  documentName: string
  status: string
  startedAt?: string
  endedAt?: string
  outputs?: Record<string, string[]>
  failureMessage?: string
  steps: {name: string; action?: string; status: string; startedAt?: string; endedAt?: string; outputs?: Record<string, string[]>; failureMessage?: string}[]
}

/** An automation execution and its step executions, as SSM reports them. */
export async function automationStatus(session: AwsSession, executionId: string): Promise<AutomationStatus> {
  const ssm = session.client(SSMClient)
  const {AutomationExecution: e} = await ssm.send(new GetAutomationExecutionCommand({AutomationExecutionId: executionId})).catch((error) => {
    if (error?.name === 'AutomationExecutionNotFoundException')
      throw new NotFoundError(`No automation execution ${executionId} in ${session.region}; check the id or pass --region.`)
    throw error
  })
  return {
    executionId,
    documentName: e?.DocumentName ?? '',
    status: e?.AutomationExecutionStatus ?? 'Unknown',
    startedAt: e?.ExecutionStartTime?.toISOString(),
    endedAt: e?.ExecutionEndTime?.toISOString(),
    outputs: e?.Outputs,
    failureMessage: e?.FailureMessage,
    steps: (e?.StepExecutions ?? []).map((s) => ({
      name: s.StepName ?? '',
      action: s.Action,
      status: s.StepStatus ?? 'Pending',
      startedAt: s.ExecutionStartTime?.toISOString(),
      endedAt: s.ExecutionEndTime?.toISOString(),
      outputs: s.Outputs,
      failureMessage: s.FailureMessage,
    })),
  }
}
