import {isDeepStrictEqual} from 'node:util'

import {
  CreateDocumentCommand, DescribeAutomationStepExecutionsCommand, GetAutomationExecutionCommand, GetDocumentCommand,
  InvalidDocument, SSMClient, StartAutomationExecutionCommand, type StepExecution, StopAutomationExecutionCommand,
  type TargetLocation, UpdateDocumentCommand, UpdateDocumentDefaultVersionCommand,
} from '@aws-sdk/client-ssm'
import {parse} from 'yaml'

import type {AwsSession} from '../aws/session.js'
import {NotFoundError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import {type Clock, systemClock} from '../time/clock.js'
import type {RunReporter} from '../engine/reporter.js'
import type {RunRecord, RunStatus} from '../engine/types.js'
import type {LoadedRunbook} from './document.js'
import {stepNodes} from './graph.js'
import {documentNameOf} from './local-engine.js'
import {RunbookRecorder} from './recorder.js'

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
  if (isDeepStrictEqual(parse(existing.Content ?? ''), runbook.document)) return {name, file: runbook.file, version: existing.DocumentVersion ?? '1', change: 'unchanged'}
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
  s === 'Success' ? 'succeeded' : s === 'Failed' || s === 'TimedOut' || s === 'Cancelled' ? 'failed' : s === 'InProgress' || s === 'Waiting' ? 'running' : undefined
const finalStatus: Record<string, RunStatus> = {Success: 'succeeded', CompletedWithSuccess: 'succeeded', Failed: 'failed', TimedOut: 'failed', CompletedWithFailure: 'failed', Cancelled: 'interrupted', Exited: 'failed'}

/** SSM wants every parameter value as a list of strings. */
const asSsmParameters = (parameters: Record<string, unknown>) => Object.fromEntries(Object.entries(parameters)
  .filter(([, v]) => v !== undefined && v !== '')
  .map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))]))

/**
 * Publishes the document, starts the automation and follows its step executions, reporting each to the
 * same recorder (journal, live view, reports) as a local run. Ctrl-C stops the execution in SSM.
 */
export async function runInSsm(options: SsmRunOptions): Promise<{record: RunRecord; exitCode: ExitCode; executionId: string}> {
  const clock = options.clock ?? systemClock
  const ssm = options.session.client(SSMClient)
  const published = await publishDocument(options.session, options.runbook, options.documentName)
  const {AutomationExecutionId} = await ssm.send(new StartAutomationExecutionCommand({
    DocumentName: published.name, DocumentVersion: published.version, Parameters: asSsmParameters(options.parameters),
    TargetLocations: options.targetLocations, MaxConcurrency: options.maxConcurrency, MaxErrors: options.maxErrors,
    ClientToken: options.runId,
  }))
  const executionId = AutomationExecutionId!
  const recorder = new RunbookRecorder({
    workflow: `runbook:${published.name}`, runId: options.runId, parameters: {...options.parameters, executionId}, nodes: stepNodes(options.runbook.document!),
    clock, reporter: options.reporter, region: options.session.region,
  })
  await recorder.start()
  const stop = () => void ssm.send(new StopAutomationExecutionCommand({AutomationExecutionId: executionId, Type: 'Cancel'})).catch(() => undefined)
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  options.interrupt?.addEventListener('abort', stop, {once: true})
  try {
    const status = await follow(options.session, executionId, recorder, clock, options.pollIntervalMs ?? 5000)
    const record = await recorder.finish(status.status, status.error, status.outputs)
    return {record, executionId, exitCode: status.status === 'succeeded' ? ExitCode.Success : status.status === 'interrupted' ? ExitCode.Interrupted : ExitCode.WorkflowFailed}
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}

/** Polls the execution until it ends, turning each step execution into a step result as it changes. */
async function follow(session: AwsSession, executionId: string, recorder: RunbookRecorder, clock: Clock, pollIntervalMs: number) {
  const ssm = session.client(SSMClient)
  const seen = new Map<string, string>()
  for (;;) {
    const {AutomationExecution: execution} = await ssm.send(new GetAutomationExecutionCommand({AutomationExecutionId: executionId}))
    const steps: StepExecution[] = []
    let NextToken: string | undefined
    do {
      const page = await ssm.send(new DescribeAutomationStepExecutionsCommand({AutomationExecutionId: executionId, NextToken}))
      steps.push(...(page.StepExecutions ?? []))
      NextToken = page.NextToken
    } while (NextToken)
    for (const step of steps) {
      const status = stepStatus(step.StepStatus)
      const key = `${step.StepExecutionId}:${status}`
      if (!status || !step.StepName || seen.get(step.StepExecutionId ?? step.StepName) === key) continue
      seen.set(step.StepExecutionId ?? step.StepName, key)
      try {
        recorder.result(step.StepName)
      } catch {
        continue // a step of a nested document or a target: reported by its own execution
      }
      if (status === 'running') recorder.started(step.StepName, step.ExecutionStartTime?.toISOString())
      else {
        if (!recorder.result(step.StepName).startedAt) recorder.started(step.StepName, step.ExecutionStartTime?.toISOString())
        await recorder.finished(step.StepName, {
          status,
          outputs: step.Outputs,
          error: status === 'failed' ? {code: step.StepStatus ?? 'Failed', message: step.FailureMessage ?? `${step.StepName} ${step.StepStatus}`} : undefined,
          endedAt: step.ExecutionEndTime?.toISOString(),
        })
      }
    }
    const status = finalStatus[execution?.AutomationExecutionStatus ?? '']
    if (status) {
      return {
        status,
        outputs: execution?.Outputs as Record<string, unknown> | undefined,
        error: status === 'succeeded' ? undefined : {code: execution?.AutomationExecutionStatus ?? 'Failed', message: `Automation execution ${executionId} ended ${execution?.AutomationExecutionStatus}${execution?.FailureMessage ? `: ${execution.FailureMessage}` : ''}.`},
      }
    }
    await clock.sleep(pollIntervalMs)
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
    if (error?.name === 'AutomationExecutionNotFoundException') throw new NotFoundError(`No automation execution ${executionId} in ${session.region}; check the id or pass --region.`)
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
      name: s.StepName ?? '', action: s.Action, status: s.StepStatus ?? 'Pending',
      startedAt: s.ExecutionStartTime?.toISOString(), endedAt: s.ExecutionEndTime?.toISOString(), outputs: s.Outputs, failureMessage: s.FailureMessage,
    })),
  }
}
