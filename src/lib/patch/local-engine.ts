import type {EC2Client} from '@aws-sdk/client-ec2'
import type {SSMClient} from '@aws-sdk/client-ssm'

import {mapWithLimit} from '../aws/paginate.js'
import type {AwsSession} from '../aws/session.js'
import {putComplianceRecord} from '../aws/ssm-compliance.js'
import type {StepIO} from '../engine/types.js'
import type {InstanceProgress, PatchLedger} from './ledger.js'
import {notify} from './notify.js'
import type {PatchProcedure, ProcedureValues, ShellStep} from './procedure.js'
import {patchComplianceType} from './scan.js'
import {compareVersions, formatVersion, parseVersion, versionFromOutput} from './version.js'
import {dataVolumes, swapInRestoredVolume, waitForSnapshots} from './volumes.js'
import {type WaveRate, WaveShell} from './wave-shell.js'

/*
 * `patch run --engine local`: opsctl drives the runbook's procedure for a whole wave at once. Shell steps go out as
 * one SendCommand per wave and region (see WaveShell); the data volumes are found with one DescribeVolumes and
 * snapshotted one CreateSnapshot each (EC2 has no batch); an instance that fails after its snapshot is rolled back on
 * its own, from its snapshot, as the runbook does.
 */

export interface PatchRequest {
  package: string
  /** The version every instance must be at or above afterwards. */
  minVersion: string
  /** Where the data volume is attached. */
  device: string
  notifyTopic?: string
  rate: WaveRate
  pollIntervalMs: number
}

export interface LocalEngineContext {
  session: AwsSession
  procedure: PatchProcedure
  request: PatchRequest
}

/** Rollbacks of one wave run a few at a time (each waits on EBS). */
const ROLLBACK_CONCURRENCY = 4

export class LocalPatchEngine {
  constructor(
    private readonly ctx: LocalEngineContext,
    private readonly io: StepIO,
    private readonly ledger: PatchLedger,
  ) {}

  /** Patches the instances of a wave (those of each region together) and leaves each with its result in the ledger. */
  async patchWave(wave: number, members: {instanceId: string; region: string; fromVersion?: string}[]): Promise<void> {
    const regions = await this.ledger.startWave(wave, members)
    for (const [region, instanceIds] of regions) await this.patchInRegion(region, wave, instanceIds)
  }

  /**
   * Puts right the instances an interrupted attempt left half-done (whether this run was interrupted or resumes one
   * that was killed): rolled back from their snapshot when they have one, otherwise PostgreSQL started again. Each is
   * marked interrupted: a resumed run patches it again.
   */
  async settleUnfinished(_interrupted: boolean): Promise<void> {
    for (const progress of this.ledger.unfinished()) {
      const {shell} = await this.clientsFor(progress.region, progress.wave)
      if (progress.snapshotId) await this.rollBack(shell, progress, 'interrupted after its snapshot')
      else await this.failBeforeSnapshot(shell, new Map([[progress.instanceId, 'interrupted before its snapshot']]))
      this.ledger.note(progress.instanceId, {interrupted: true})
      await this.ledger.save()
    }
  }

  private async patchInRegion(region: string, wave: number, instanceIds: string[]): Promise<void> {
    const {shell, ec2, ssm} = await this.clientsFor(region, wave)
    await shell.join(instanceIds)
    const stopped = await shell.send(this.command('stopPostgreSQL'), instanceIds)
    await this.failBeforeSnapshot(shell, stopped.failed)
    const snapshotted = await this.snapshot(ec2, shell, stopped.ok)
    let patched = snapshotted
    const failed = new Map<string, string>()
    for (const step of ['upgradePostgreSQL', 'startPostgreSQL', 'verifyVersion'] as const) {
      const result = await shell.send(this.command(step), patched)
      for (const [id, why] of result.failed) failed.set(id, why)
      patched = step === 'verifyVersion' ? this.verified(result.ok, result.output, failed) : result.ok
      await shell.leave([...failed.keys()])
    }
    await mapWithLimit([...failed], ROLLBACK_CONCURRENCY, ([id, why]) => this.rollBack(shell, this.ledger.get(id)!, why))
    await mapWithLimit(patched, ROLLBACK_CONCURRENCY, (id) => this.recordCompliance(ssm, id, 'COMPLIANT'))
    for (const id of patched) this.ledger.finish(id, 'patched')
    await this.ledger.save()
    await shell.leave(patched)
  }

  /** Snapshots each data volume (the rollback point) and waits for them; an instance without one is given up, started again. */
  private async snapshot(ec2: EC2Client, shell: WaveShell, instanceIds: string[]): Promise<string[]> {
    const {CreateSnapshotCommand} = await import('@aws-sdk/client-ec2')
    const volumes = await dataVolumes(ec2, instanceIds, this.ctx.request.device, this.io.signal)
    const without = instanceIds.filter((id) => !volumes.has(id))
    await this.failBeforeSnapshot(shell, new Map(without.map((id) => [id, `no data volume at ${this.ctx.request.device}`])))
    const withVolume = instanceIds.filter((id) => volumes.has(id))
    await mapWithLimit(withVolume, ROLLBACK_CONCURRENCY, async (instanceId) => {
      const volume = volumes.get(instanceId)!
      const {SnapshotId} = await ec2.send(
        new CreateSnapshotCommand({
          VolumeId: volume.volumeId,
          Description: `PostgreSQL data of ${instanceId} before patching to ${this.ctx.request.minVersion} (run ${this.io.runId})`,
          TagSpecifications: [{ResourceType: 'snapshot', Tags: this.rollbackPointTags(instanceId, volume.volumeId)}],
        }),
        {abortSignal: this.io.signal},
      )
      this.ledger.note(instanceId, {phase: 'snapshotted', snapshotId: SnapshotId, ...volume})
    })
    await this.ledger.save()
    const snapshotIds = withVolume.map((id) => this.ledger.get(id)!.snapshotId!)
    const failed = await waitForSnapshots(ec2, snapshotIds, {...this.io, pollIntervalMs: this.ctx.request.pollIntervalMs})
    const bad = new Map(
      withVolume.filter((id) => failed.has(this.ledger.get(id)!.snapshotId!)).map((id) => [id, failed.get(this.ledger.get(id)!.snapshotId!)!]),
    )
    // A snapshot that failed is no rollback point: the data volume was not touched, PostgreSQL starts again.
    await this.failBeforeSnapshot(shell, bad)
    return withVolume.filter((id) => !bad.has(id))
  }

  /** The instances whose verification printed a version at or above the minimum; the others join `failed`. */
  private verified(ok: string[], output: Map<string, string>, failed: Map<string, string>): string[] {
    const min = parseVersion(this.ctx.request.minVersion)
    return ok.filter((id) => {
      const version = versionFromOutput(output.get(id)?.trim().split('\n').at(-1) ?? '', this.ctx.request.package)
      if (version && compareVersions(version, min) >= 0) {
        this.ledger.note(id, {toVersion: formatVersion(version)})
        return true
      }
      failed.set(id, `verifyVersion: ${version ? formatVersion(version) : 'no version'} is below ${this.ctx.request.minVersion}`)
      return false
    })
  }

  /** Instances that failed before a rollback point existed: PostgreSQL started again, the instance given up (failed). */
  private async failBeforeSnapshot(shell: WaveShell, failed: Map<string, string>): Promise<void> {
    if (failed.size === 0) return
    const ids = [...failed.keys()]
    await shell.leave(ids)
    const started = await mapWithLimit(ids, ROLLBACK_CONCURRENCY, (id) => shell.sendTo(this.command('startPostgreSQLAgain'), id))
    for (const [i, id] of ids.entries()) {
      const restarted = started[i].ok.length === 1 ? '' : '; PostgreSQL did not start again'
      this.ledger.finish(id, 'failed', {reason: `${failed.get(id)}${restarted}`})
    }
    await this.ledger.save()
  }

  /** The runbook's rollback for one instance: stop, restore the data volume from the snapshot, start, verify, notify, record. */
  private async rollBack(shell: WaveShell, progress: InstanceProgress, why: string): Promise<void> {
    const {instanceId, region} = progress
    const {ec2, ssm} = await this.clientsFor(region, progress.wave)
    let reason = `${why}; rolled back to snapshot ${progress.snapshotId}`
    let result: 'rolled-back' | 'failed' = 'rolled-back'
    try {
      await this.expectOk(shell.sendTo(this.command('rollbackStopPostgreSQL', progress), instanceId))
      const at = new Date(this.io.clock.now()).toISOString()
      const rollback = {instanceId, device: this.ctx.request.device, snapshotId: progress.snapshotId!, runId: this.io.runId}
      const volume = {volumeId: progress.volumeId!, availabilityZone: progress.availabilityZone!, volumeType: progress.volumeType}
      const restored = await swapInRestoredVolume(ec2, {...rollback, volume}, at, {...this.io, pollIntervalMs: this.ctx.request.pollIntervalMs})
      this.ledger.note(instanceId, {restoredVolumeId: restored})
      await this.expectOk(shell.sendTo(this.command('rollbackStartPostgreSQL', progress), instanceId))
      await this.expectOk(shell.sendTo(this.command('verifyRunning', progress), instanceId))
    } catch (error) {
      if (this.io.signal.aborted) throw error
      result = 'failed'
      reason = `${why}; the rollback failed (${(error as Error).message}): restore it from snapshot ${progress.snapshotId} by hand`
    }
    const {package: pkg, minVersion, notifyTopic} = this.ctx.request
    const message = `Patching ${pkg} on ${instanceId} to ${minVersion} failed (run ${this.io.runId}): ${reason}.`
    await notify(this.ctx.session, notifyTopic, {subject: `PostgreSQL patch failed on ${instanceId}`, message}, this.io)
    await this.recordCompliance(ssm, instanceId, 'NON_COMPLIANT')
    this.ledger.finish(instanceId, result, {reason})
    await this.ledger.save()
  }

  private async expectOk(sent: Promise<{failed: Map<string, string>}>): Promise<void> {
    const {failed} = await sent
    if (failed.size > 0) throw new Error([...failed.values()][0])
  }

  private recordCompliance(ssm: SSMClient, instanceId: string, status: 'COMPLIANT' | 'NON_COMPLIANT'): Promise<void> {
    const {package: pkg, minVersion} = this.ctx.request
    const progress = this.ledger.get(instanceId)
    return putComplianceRecord(
      ssm,
      {
        instanceId,
        complianceType: patchComplianceType(pkg),
        itemId: pkg,
        title: `${pkg} ${minVersion} or later`,
        status,
        severity: 'HIGH',
        details: {TargetVersion: minVersion, RunId: this.io.runId, ...(progress?.toVersion ? {InstalledVersion: progress.toVersion} : {})},
        executionTime: new Date(this.io.clock.now()),
        executionId: this.io.runId,
      },
      this.io.signal,
    )
  }

  private rollbackPointTags(instanceId: string, volumeId: string) {
    return [
      {Key: 'opsctl:run-id', Value: this.io.runId},
      {Key: 'opsctl:instance-id', Value: instanceId},
      {Key: 'opsctl:rollback-point-of', Value: volumeId},
    ]
  }

  /** A shell step with the run's values (and, for the rollback's, the instance's own). */
  private command(step: ShellStep, instance?: InstanceProgress) {
    const {package: pkg, minVersion, device, notifyTopic} = this.ctx.request
    const values: ProcedureValues = {
      Package: pkg,
      TargetVersion: minVersion,
      DataDeviceName: device,
      NotificationTopicArn: notifyTopic ?? '',
      RunId: this.io.runId,
    }
    if (instance) Object.assign(values, {InstanceId: instance.instanceId, 'findDataVolume.VolumeId': instance.volumeId ?? ''})
    return this.ctx.procedure.command(step, values)
  }

  private readonly clients = new Map<string, Promise<{ec2: EC2Client; ssm: SSMClient}>>()

  private async clientsFor(region: string, wave: number): Promise<{ec2: EC2Client; ssm: SSMClient; shell: WaveShell}> {
    if (!this.clients.has(region))
      this.clients.set(
        region,
        Promise.all([import('@aws-sdk/client-ec2'), import('@aws-sdk/client-ssm')]).then(([{EC2Client}, {SSMClient}]) => {
          const regional = this.ctx.session.inRegion(region)
          return {ec2: regional.client(EC2Client), ssm: regional.client(SSMClient)}
        }),
      )
    const {ec2, ssm} = await this.clients.get(region)!
    const polling = {...this.io, pollIntervalMs: this.ctx.request.pollIntervalMs}
    return {ec2, ssm, shell: new WaveShell(ssm, ec2, polling, `${this.io.runId}/${wave}`, this.ctx.request.rate)}
  }
}
