import type {AutomationExecution, AutomationExecutionMetadata, SSMClient, StepExecution} from '@aws-sdk/client-ssm'
import {parse} from 'yaml'

import type {AwsCall} from '../aws/call-log.js'
import {collectPages} from '../aws/paginate.js'
import type {AwsSession} from '../aws/session.js'
import {listJournals, newRunId} from '../engine/journal.js'
import {RunRecorder, type Settlement} from '../engine/recorder.js'
import type {RunRecord} from '../engine/types.js'
import {runbookWorkflow} from '../engine/workflow-names.js'
import {NotFoundError, OpsctlError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import type {RunbookDocument} from './document.js'
import {stepNodes} from './graph.js'
import {childStep, runbookSteps, unreachedNote} from './step-results.js'

/*
 * An SSM Automation execution becomes the same run record as a local run, whether opsctl follows it live
 * (runbook run --engine ssm) or looks at it later (runbook status): one look at SSM is recorded by the run's
 * recorder, which keeps the times, the journal and the exit code, as it does for every run.
 */

/** An execution and its steps as one look at SSM shows them. */
export interface ExecutionLook {
  executionId: string
  execution: AutomationExecution
  /** Its step executions; in a fan-out, one per child execution instead. */
  steps: StepExecution[]
  /** The calls that listed the steps, with their request ids (CloudTrail finds them). */
  calls: AwsCall[]
}

/** A rate-controlled or target-location run: SSM runs the document in child executions (one per target, account and Region), not in this one. */
const isFanOut = (e: AutomationExecution) => Boolean(e.Targets?.length || e.TargetMaps?.length || e.TargetLocations?.length)

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

/** A child execution as the step of its parent that ran it, named by its target; its outputs are those of aws:executeAutomation. */
const asStep = (child: AutomationExecutionMetadata): StepExecution => ({
  StepName: child.Target || child.AutomationExecutionId,
  StepExecutionId: child.AutomationExecutionId,
  Action: 'aws:executeAutomation',
  StepStatus: child.AutomationExecutionStatus,
  ExecutionStartTime: child.ExecutionStartTime,
  ExecutionEndTime: child.ExecutionEndTime,
  Outputs: {ExecutionId: [child.AutomationExecutionId ?? ''], Status: [child.AutomationExecutionStatus ?? ''], ...child.Outputs},
  FailureMessage: child.FailureMessage,
})

/** The execution, and its step executions or (in a fan-out) its child executions, every page. */
export async function lookAt(ssm: SSMClient, executionId: string, region: string): Promise<ExecutionLook> {
  const {GetAutomationExecutionCommand, paginateDescribeAutomationExecutions, paginateDescribeAutomationStepExecutions} = await import('@aws-sdk/client-ssm')
  const execution = await ssm.send(new GetAutomationExecutionCommand({AutomationExecutionId: executionId})).then(
    (answer) => answer.AutomationExecution ?? {},
    (error) => {
      if (error?.name === 'AutomationExecutionNotFoundException')
        throw new NotFoundError(`No automation execution ${executionId} in ${region}; check the id, or pass the --region it ran in.`)
      throw error
    },
  )
  const calls: AwsCall[] = []
  const listed =
    <P extends {$metadata?: {requestId?: string}}, T>(operation: string, items: (page: P) => T[] | undefined) =>
    (page: P) => {
      calls.push({service: 'SSM', operation, requestId: page.$metadata?.requestId})
      return items(page)
    }
  const steps = isFanOut(execution)
    ? (
        await collectPages(
          paginateDescribeAutomationExecutions({client: ssm}, {Filters: [{Key: 'ParentExecutionId', Values: [executionId]}]}),
          listed('DescribeAutomationExecutions', (page) => page.AutomationExecutionMetadataList),
        )
      ).map(asStep)
    : await collectPages(
        paginateDescribeAutomationStepExecutions({client: ssm}, {AutomationExecutionId: executionId}),
        listed('DescribeAutomationStepExecutions', (page) => page.StepExecutions),
      )
  return {executionId, execution, steps, calls}
}

/**
 * Records looks at one execution into its run's recorder: each step execution as the result of its document step (a
 * step that runs again keeps its latest result), or, in a fan-out, each child execution as a step added when first seen.
 */
export class ExecutionRecording {
  private readonly seen = new Map<string, string>()
  private readonly used: Set<string>

  constructor(
    private readonly recorder: RunRecorder,
    private readonly idOf: Map<string, string>,
  ) {
    this.used = new Set(recorder.record.steps.map((s) => s.id))
  }

  /** Records the steps that changed since the last look; how the run settles once the execution has ended. */
  async record(look: ExecutionLook): Promise<Settlement | undefined> {
    for (const step of look.steps) {
      const key = step.StepExecutionId ?? step.StepName ?? ''
      if (this.seen.get(key) === step.StepStatus) continue
      this.seen.set(key, step.StepStatus ?? '')
      const id = this.idOf.get(step.StepName ?? '') ?? (isFanOut(look.execution) ? this.addChild(step, look.execution) : undefined)
      // A step of a nested document is reported by its own execution.
      if (id) await this.recordStep(step, id, look.calls)
    }
    return settlementOf(look)
  }

  private addChild(step: StepExecution, parent: AutomationExecution): string {
    const shape = childStep({target: step.StepName ?? '', executionId: step.StepExecutionId ?? '', documentName: parent.DocumentName ?? ''}, this.used)
    this.recorder.add(shape)
    this.idOf.set(step.StepName ?? '', shape.id)
    return shape.id
  }

  private async recordStep(step: StepExecution, id: string, calls: AwsCall[]): Promise<void> {
    const status = stepStatus(step.StepStatus)
    if (!status) return
    const result = this.recorder.result(id)
    if (status === 'running' || !result.startedAt) this.recorder.begin(result, step.ExecutionStartTime?.toISOString())
    const seen = {endedAt: step.ExecutionEndTime?.toISOString(), calls}
    if (status === 'succeeded') await this.recorder.succeed(result, step.Outputs, seen)
    if (status === 'failed')
      await this.recorder.fail(
        result,
        new OpsctlError(step.FailureMessage ?? `${step.StepName} ${step.StepStatus}`, ExitCode.WorkflowFailed, step.StepStatus ?? 'Failed'),
        seen,
      )
  }
}

/** How a run settles when its execution has ended (undefined while it runs): the document outputs, or why it failed. */
function settlementOf({executionId, execution}: ExecutionLook): Settlement | undefined {
  const status = finalStatus[execution.AutomationExecutionStatus ?? '']
  if (!status) return undefined
  if (status === 'succeeded') return {outcome: execution.Outputs, unreached: () => unreachedNote(status)}
  // SSM's own message ends with a full stop, or not.
  const message = `Automation execution ${executionId} ended ${execution.AutomationExecutionStatus}${execution.FailureMessage ? `: ${execution.FailureMessage.replace(/\.$/, '')}` : ''}.`
  const exitCode = status === 'interrupted' ? ExitCode.Interrupted : ExitCode.WorkflowFailed
  return {failure: new OpsctlError(message, exitCode, execution.AutomationExecutionStatus ?? 'Failed'), unreached: () => unreachedNote(status)}
}

/**
 * `runbook status`: an execution, however it was started, as a run record: its steps with their statuses, times,
 * outputs and errors, and the request ids of the calls that read them. An execution started by "runbook run --engine ssm"
 * keeps the run id of that run's journal; the journal itself is left as that run wrote it.
 */
export async function executionRecord(session: AwsSession, executionId: string): Promise<RunRecord> {
  const {SSMClient} = await import('@aws-sdk/client-ssm')
  const ssm = session.client(SSMClient)
  const look = await lookAt(ssm, executionId, session.region)
  const {execution} = look
  const document = isFanOut(execution) ? {} : await documentOf(ssm, look)
  const {steps, idOf} = runbookSteps(stepNodes(document))
  const startedAt = execution.ExecutionStartTime ?? new Date()
  const journal = (await listJournals()).find((r) => r.executionId === executionId)
  const recorder = new RunRecorder({
    workflow: runbookWorkflow(execution.DocumentName ?? ''),
    steps,
    // The execution's own start and id, so that looking again names the same run.
    runId: journal?.runId ?? newRunId(startedAt, executionId.replaceAll('-', '').slice(0, 6)),
    parameters: parametersOf(execution, document),
    startedAt: startedAt.toISOString(),
    executionId,
    region: session.region,
    journal: false,
  })
  const recording = new ExecutionRecording(recorder, idOf)
  const {record} = await recorder.run(async () => {
    const settled = await recording.record(look)
    return settled ? {...settled, endedAt: execution.ExecutionEndTime?.toISOString()} : {ongoing: true}
  })
  return record
}

/** The version of the document the execution ran; when it is gone, a document of the steps SSM ran. */
async function documentOf(ssm: SSMClient, {execution, steps}: ExecutionLook): Promise<RunbookDocument> {
  const {GetDocumentCommand, InvalidDocument} = await import('@aws-sdk/client-ssm')
  try {
    const {Content} = await ssm.send(new GetDocumentCommand({Name: execution.DocumentName, DocumentVersion: execution.DocumentVersion}))
    return parse(Content ?? '') as RunbookDocument
  } catch (error) {
    if (!(error instanceof InvalidDocument)) throw error
    return {mainSteps: [...new Map(steps.map((s) => [s.StepName, {name: s.StepName, action: s.Action}])).values()]}
  }
}

/** SSM holds every parameter value as a list of strings: a parameter the document does not declare a list is its one value. */
function parametersOf(execution: AutomationExecution, document: RunbookDocument): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(execution.Parameters ?? {}).map(([name, values]) => {
      const declared = document.parameters?.[name]
      return [name, declared && !String(declared.type).includes('List') ? values[0] : values]
    }),
  )
}
