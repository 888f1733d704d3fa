import {createHash} from 'node:crypto'
import {isDeepStrictEqual} from 'node:util'

import {
  CreateDocumentCommand,
  GetDocumentCommand,
  InvalidDocument,
  SSMClient,
  StartAutomationExecutionCommand,
  StopAutomationExecutionCommand,
  type TargetLocation,
  UpdateDocumentCommand,
  UpdateDocumentDefaultVersionCommand,
} from '@aws-sdk/client-ssm'
import {parse} from 'yaml'

import type {AwsSession} from '../aws/session.js'
import {RunRecorder} from '../engine/recorder.js'
import type {RunReporter} from '../engine/reporter.js'
import type {RunRecord} from '../engine/types.js'
import {runbookWorkflow} from '../engine/workflow-names.js'
import type {ExitCode} from '../errors/exit-codes.js'
import type {Clock} from '../time/clock.js'
import type {LoadedRunbook} from './document.js'
import {stepNodes} from './graph.js'
import {documentNameOf} from './load.js'
import {ExecutionRecording, lookAt} from './ssm-execution.js'
import {runbookSteps} from './step-results.js'

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
      ClientToken: clientToken(options.runId),
    }),
  )
  const executionId = AutomationExecutionId!
  // A fan-out runs the document in child executions, each recorded as a step when SSM starts it.
  const {steps, idOf} = runbookSteps(options.targetLocations?.length ? [] : stepNodes(options.runbook.document!))
  const recorder = new RunRecorder({
    workflow: runbookWorkflow(published.name),
    steps,
    runId: options.runId,
    parameters: options.parameters,
    executionId,
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
  const recording = new ExecutionRecording(recorder, idOf)
  const {record, exitCode} = await recorder.run(async () => {
    for (;;) {
      const settled = await recording.record(await lookAt(ssm, executionId, options.session.region))
      if (settled) return settled
      await recorder.clock.sleep(options.pollIntervalMs ?? 5000)
    }
  })
  return {record, exitCode, executionId}
}

/** SSM's ClientToken is a UUID: one derived from the run (and what else it starts) makes a start whose answer was lost start nothing new. */
export function clientToken(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('/')).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}
