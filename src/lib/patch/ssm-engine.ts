import type {AutomationExecutionMetadata, SSMClient, StartAutomationExecutionCommandInput, Target, TargetLocation} from '@aws-sdk/client-ssm'

import type {AwsSession} from '../aws/session.js'
import type {StepIO} from '../engine/types.js'
import type {LoadedRunbook} from '../runbook/document.js'
import {clientToken, publishDocument} from '../runbook/ssm-engine.js'
import type {LocationsProgress, PatchLedger} from './ledger.js'
import type {PatchRequest} from './local-engine.js'
import {PATCH_RUNBOOK} from './procedure.js'
import {formatVersion, versionFromOutput} from './version.js'
import {WaveShell} from './wave-shell.js'

/*
 * `patch run --engine ssm`: SSM runs the shipped runbook itself. Each wave is one Automation execution per region,
 * rate-controlled (Targets: the wave's tag, TargetParameterName InstanceId, MaxConcurrency, MaxErrors): SSM fans out to
 * the instances, each a child execution that opsctl follows and reports. The runbook rolls back on its own; Ctrl-C
 * cancels the executions in flight, and the runbook's onCancel branches roll back what they were doing.
 */

export interface SsmEngineContext {
  session: AwsSession
  runbook: LoadedRunbook
  request: PatchRequest
}

const FINISHED = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled', 'CompletedWithSuccess', 'CompletedWithFailure', 'Exited'])

/** The snapshot or volume id a runbook output holds, or undefined: SSM fills the output of a step that did not succeed with a sentence ("No output available yet …"). */
function idOutput(outputs: Record<string, string[]>, name: string, prefix: 'snap' | 'vol'): string | undefined {
  const value = outputs[name]?.[0]
  return value?.startsWith(`${prefix}-`) ? value : undefined
}

export class SsmPatchEngine {
  private readonly published = new Map<string, Promise<string>>()

  constructor(
    private readonly ctx: SsmEngineContext,
    private readonly io: StepIO,
    private readonly ledger: PatchLedger,
  ) {}

  async patchWave(wave: number, members: {instanceId: string; region: string; fromVersion?: string}[]): Promise<void> {
    // Put right after an interrupt, an instance needs a new execution (the ended one's client token is spent, and the
    // attempt is part of the token); started by a killed run, the same one.
    const regions = await this.ledger.startWave(wave, members)
    for (const [region, instanceIds] of regions) {
      const executionId = await this.start(region, wave, instanceIds)
      for (const id of instanceIds) this.ledger.note(id, {executionId})
      await this.ledger.save()
      await this.follow(region, executionId, wave, instanceIds)
    }
  }

  /** A resumed run follows the executions an earlier attempt started (they went on in SSM) to their end; an interrupted one cancels them first (the runbook rolls back). */
  async settleUnfinished(interrupted: boolean): Promise<void> {
    const cancel = interrupted
    const byExecution = new Map<string, {region: string; wave: number; ids: string[]}>()
    for (const p of this.ledger.unfinished())
      if (p.executionId) byExecution.set(p.executionId, {region: p.region, wave: p.wave, ids: [...(byExecution.get(p.executionId)?.ids ?? []), p.instanceId]})
    const locations = this.ledger.locations
    if (cancel && locations && !locations.status) await this.cancel(locations.region, locations.executionId)
    for (const [executionId, {region, wave, ids}] of byExecution) {
      if (cancel) await this.cancel(region, executionId)
      await this.follow(region, executionId, wave, ids)
      // An instance the execution finished before the cancel stays patched; the others are patched again by a resumed run.
      if (cancel) for (const id of ids.filter((id) => this.ledger.get(id)?.result !== 'patched')) this.ledger.note(id, {interrupted: true})
      await this.ledger.save()
    }
  }

  private async start(region: string, wave: number, instanceIds: string[]): Promise<string> {
    const ssm = await this.ssmIn(region)
    const label = `${this.io.runId}/${wave}`
    await this.shellIn(region, ssm, label).then((shell) => shell.join(instanceIds))
    const attempt = Math.max(...instanceIds.map((id) => this.ledger.get(id)?.attempt ?? 0))
    return this.startRunbook(region, {
      Targets: [{Key: 'tag:opsctl:patch-wave', Values: [label]}],
      MaxConcurrency: this.ctx.request.rate.maxConcurrency,
      MaxErrors: this.ctx.request.rate.maxErrors,
      ClientToken: clientToken(this.io.runId, String(wave), region, String(attempt)),
    })
  }

  /** One execution of the published runbook, rate-controlled over `targeting` (its Targets and the rest). */
  private async startRunbook(region: string, targeting: Partial<StartAutomationExecutionCommandInput>): Promise<string> {
    const {StartAutomationExecutionCommand} = await import('@aws-sdk/client-ssm')
    const {package: pkg, minVersion, device, notifyTopic} = this.ctx.request
    const {AutomationExecutionId} = await (await this.ssmIn(region)).send(
      new StartAutomationExecutionCommand({
        DocumentName: PATCH_RUNBOOK,
        DocumentVersion: await this.publish(region),
        Parameters: {
          TargetVersion: [minVersion],
          Package: [pkg],
          DataDeviceName: [device],
          RunId: [this.io.runId],
          ...(notifyTopic ? {NotificationTopicArn: [notifyTopic]} : {}),
        },
        TargetParameterName: 'InstanceId',
        ...targeting,
      }),
      {abortSignal: this.io.signal},
    )
    return AutomationExecutionId!
  }

  /**
   * The other accounts and regions (--target-locations), once every wave here passed its gate: one execution that SSM
   * fans out to each location (the locations' own concurrency and error limits, the wave size and --max-errors within
   * each), over the targets' tags; opsctl follows its child executions. Started again by a resumed run, the same one
   * (its client token), so it is never started twice.
   */
  async patchLocations(locations: TargetLocation[], targets: Target[], rate: {maxConcurrency: string; maxErrors: string}): Promise<LocationsProgress> {
    const region = this.ctx.session.region
    this.ledger.locations ??= {
      region,
      executionId: await this.startRunbook(region, {
        Targets: targets,
        TargetLocations: locations,
        MaxConcurrency: rate.maxConcurrency,
        MaxErrors: rate.maxErrors,
        ClientToken: clientToken(this.io.runId, 'target-locations'),
      }),
    }
    await this.ledger.save()
    const {executionId} = this.ledger.locations
    const {status, failure, children} = await this.untilEnded(await this.ssmIn(region), executionId)
    this.ledger.locations = {
      region,
      executionId,
      status,
      children: children.map((c) => ({
        executionId: c.AutomationExecutionId ?? '',
        target: c.Target,
        status: c.AutomationExecutionStatus ?? 'Unknown',
        ...(c.FailureMessage ? {failure: c.FailureMessage} : {}),
      })),
      ...(failure ? {failure} : {}),
    }
    await this.ledger.save()
    return this.ledger.locations
  }

  /**
   * Polls the wave's execution until it ends, reporting each instance's child execution as it changes; then their
   * results. The instances then leave the wave: the wave started again (after an interrupt) reaches only those that join it again.
   */
  private async follow(region: string, executionId: string, wave: number, instanceIds: string[]): Promise<void> {
    const ssm = await this.ssmIn(region)
    const {failure, children} = await this.untilEnded(ssm, executionId)
    this.settle(children, instanceIds, failure)
    await this.ledger.save()
    await (await this.shellIn(region, ssm, `${this.io.runId}/${wave}`)).leave(instanceIds)
  }

  /** Polls an execution until it ends, telling each child execution's changes as they come; its end and its children. */
  private async untilEnded(ssm: SSMClient, executionId: string): Promise<{status: string; failure?: string; children: AutomationExecutionMetadata[]}> {
    const {GetAutomationExecutionCommand} = await import('@aws-sdk/client-ssm')
    const told = new Map<string, string>()
    for (;;) {
      const {AutomationExecution} = await ssm.send(new GetAutomationExecutionCommand({AutomationExecutionId: executionId}), {abortSignal: this.io.signal})
      const children = await this.children(ssm, executionId)
      for (const child of children) {
        const said = `${child.AutomationExecutionStatus} ${child.CurrentStepName ?? ''}`
        if (told.get(child.AutomationExecutionId ?? '') !== said) this.io.progress(`${child.Target}: ${said.trim()} (${child.AutomationExecutionId})`)
        told.set(child.AutomationExecutionId ?? '', said)
      }
      const status = AutomationExecution?.AutomationExecutionStatus ?? ''
      if (FINISHED.has(status)) return {status, failure: AutomationExecution?.FailureMessage, children}
      await this.io.clock.sleep(this.ctx.request.pollIntervalMs, this.io.signal)
    }
  }

  /** Each instance's result from its child execution: succeeded (patched), failed after a rollback (its restored volume is an output), or failed. */
  private settle(children: AutomationExecutionMetadata[], instanceIds: string[], failure: string | undefined): void {
    const byTarget = new Map(children.map((c) => [c.Target, c]))
    for (const id of instanceIds) {
      const child = byTarget.get(id)
      const outputs = child?.Outputs ?? {}
      const version = versionFromOutput(outputs['verifyVersion.Output']?.[0]?.trim().split('\n').at(-1) ?? '', this.ctx.request.package)
      const details = {
        snapshotId: idOutput(outputs, 'snapshotDataVolume.SnapshotId', 'snap'),
        restoredVolumeId: idOutput(outputs, 'createRestoredVolume.VolumeId', 'vol'),
      }
      if (child?.AutomationExecutionStatus === 'Success') this.ledger.finish(id, 'patched', {...details, toVersion: version && formatVersion(version)})
      else {
        const why = `${child ? `execution ${child.AutomationExecutionId} ${child.AutomationExecutionStatus}` : 'SSM started no execution for it'}${(child?.FailureMessage ?? failure) ? `: ${child?.FailureMessage ?? failure}` : ''}`
        this.ledger.finish(id, details.restoredVolumeId ? 'rolled-back' : 'failed', {...details, reason: why})
      }
    }
  }

  private async children(ssm: SSMClient, executionId: string): Promise<AutomationExecutionMetadata[]> {
    const {paginateDescribeAutomationExecutions} = await import('@aws-sdk/client-ssm')
    const children: AutomationExecutionMetadata[] = []
    const Filters = [{Key: 'ParentExecutionId' as const, Values: [executionId]}]
    for await (const page of paginateDescribeAutomationExecutions({client: ssm}, {Filters}, {abortSignal: this.io.signal}))
      children.push(...(page.AutomationExecutionMetadataList ?? []))
    return children
  }

  private async cancel(region: string, executionId: string): Promise<void> {
    const {StopAutomationExecutionCommand} = await import('@aws-sdk/client-ssm')
    await (await this.ssmIn(region)).send(new StopAutomationExecutionCommand({AutomationExecutionId: executionId, Type: 'Cancel'}), {
      abortSignal: this.io.signal,
    })
  }

  /** The runbook published in the region (created or updated only when it differs), once a run; its version. */
  private publish(region: string): Promise<string> {
    if (!this.published.has(region))
      this.published.set(
        region,
        publishDocument(this.ctx.session.inRegion(region), this.ctx.runbook, PATCH_RUNBOOK).then((p) => p.version),
      )
    return this.published.get(region)!
  }

  private async ssmIn(region: string): Promise<SSMClient> {
    const {SSMClient} = await import('@aws-sdk/client-ssm')
    return this.ctx.session.inRegion(region).client(SSMClient)
  }

  private async shellIn(region: string, ssm: SSMClient, label: string): Promise<WaveShell> {
    const {EC2Client} = await import('@aws-sdk/client-ec2')
    const ec2 = this.ctx.session.inRegion(region).client(EC2Client)
    return new WaveShell(ssm, ec2, {...this.io, pollIntervalMs: this.ctx.request.pollIntervalMs}, label, this.ctx.request.rate)
  }
}
