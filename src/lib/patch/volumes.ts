import type {EC2Client, Volume} from '@aws-sdk/client-ec2'

import type {Polling} from '../aws/ssm.js'
import {tagMap} from '../aws/tags.js'
import {OpsctlError} from '../errors/errors.js'

/*
 * The data volumes of PostgreSQL servers during a patch: found for a whole wave at once, snapshotted (the rollback
 * point), and on a rollback replaced by a volume restored from the snapshot, at the same device, in the same
 * Availability Zone. The replaced volume is kept and tagged for forensics: nothing here deletes a volume.
 */

export interface DataVolume {
  volumeId: string
  availabilityZone: string
  volumeType?: string
}

/** EC2 takes at most 200 values in one filter. */
const FILTER_VALUES = 200

/** The volume attached at `device` of each instance (one DescribeVolumes call a 200 instances); an instance without one is absent. */
export async function dataVolumes(ec2: EC2Client, instanceIds: string[], device: string, signal: AbortSignal): Promise<Map<string, DataVolume>> {
  const {paginateDescribeVolumes} = await import('@aws-sdk/client-ec2')
  const found = new Map<string, DataVolume>()
  for (let start = 0; start < instanceIds.length; start += FILTER_VALUES) {
    const Filters = [
      {Name: 'attachment.instance-id', Values: instanceIds.slice(start, start + FILTER_VALUES)},
      {Name: 'attachment.device', Values: [device]},
    ]
    for await (const page of paginateDescribeVolumes({client: ec2}, {Filters}, {abortSignal: signal}))
      for (const volume of page.Volumes ?? []) {
        const attachment = volume.Attachments?.find((a) => a.Device === device)
        if (attachment?.InstanceId)
          found.set(attachment.InstanceId, {volumeId: volume.VolumeId!, availabilityZone: volume.AvailabilityZone!, volumeType: volume.VolumeType})
      }
  }
  return found
}

/** Polls until `ready` says every resource is ready (true) or has failed (a reason); returns the failures. */
async function waitForAll<R>(
  read: () => Promise<R[]>,
  idOf: (resource: R) => string,
  ready: (resource: R) => true | string | undefined,
  ids: string[],
  polling: Polling & {pollIntervalMs: number},
  what: string,
): Promise<Map<string, string>> {
  const failed = new Map<string, string>()
  for (;;) {
    const seen = new Map((await read()).map((resource) => [idOf(resource), resource]))
    const waiting = ids.filter((id) => {
      const resource = seen.get(id)
      const state = resource && ready(resource)
      if (typeof state === 'string') failed.set(id, state)
      return state === undefined
    })
    if (waiting.length === 0) return failed
    polling.progress(`${ids.length - waiting.length} of ${ids.length} ${what}`)
    await polling.clock.sleep(polling.pollIntervalMs, polling.signal)
  }
}

/** Waits until the snapshots are completed; those that fail (state error) are returned with why. */
export async function waitForSnapshots(ec2: EC2Client, snapshotIds: string[], polling: Polling & {pollIntervalMs: number}): Promise<Map<string, string>> {
  if (snapshotIds.length === 0) return new Map()
  const {DescribeSnapshotsCommand} = await import('@aws-sdk/client-ec2')
  return waitForAll(
    async () => (await ec2.send(new DescribeSnapshotsCommand({SnapshotIds: snapshotIds}), {abortSignal: polling.signal})).Snapshots ?? [],
    (s) => s.SnapshotId!,
    (s) => (s.State === 'completed' ? true : s.State === 'error' ? `snapshot ${s.SnapshotId} failed: ${s.StateMessage ?? 'state error'}` : undefined),
    snapshotIds,
    polling,
    'snapshots completed',
  )
}

/** Waits until one volume is in a state (available, in-use); fails in one sentence when it errs. */
async function waitForVolume(ec2: EC2Client, volumeId: string, state: string, polling: Polling & {pollIntervalMs: number}): Promise<void> {
  const {DescribeVolumesCommand} = await import('@aws-sdk/client-ec2')
  const failed = await waitForAll(
    async () => (await ec2.send(new DescribeVolumesCommand({VolumeIds: [volumeId]}), {abortSignal: polling.signal})).Volumes ?? [],
    (v) => v.VolumeId!,
    (v) => (v.State === state ? true : v.State === 'error' ? `volume ${volumeId} is in state error` : undefined),
    [volumeId],
    polling,
    `volume ${volumeId} ${state}`,
  )
  if (failed.size > 0) throw new OpsctlError(`${failed.get(volumeId)}.`)
}

export interface Rollback {
  instanceId: string
  device: string
  volume: DataVolume
  snapshotId: string
  /** The run: the restored volume and the replaced one are tagged with it. */
  runId: string
}

/**
 * Puts a volume restored from the snapshot in place of the data volume: create (or find, on a resumed run, the one
 * this run already created), wait, detach the data volume, attach the restored one at the same device, and tag the
 * replaced one, kept. Each step is skipped when already done, so a rollback killed half-way finishes when resumed.
 */
export async function swapInRestoredVolume(ec2: EC2Client, rollback: Rollback, at: string, polling: Polling & {pollIntervalMs: number}): Promise<string> {
  const {AttachVolumeCommand, CreateTagsCommand, DetachVolumeCommand} = await import('@aws-sdk/client-ec2')
  const {instanceId, device, volume, runId} = rollback
  const signal = polling.signal
  const restoredId = (await restoredVolumeOf(ec2, rollback, signal)) ?? (await createRestoredVolume(ec2, rollback, signal))
  const [restored, replaced] = await Promise.all([describeVolume(ec2, restoredId, signal), describeVolume(ec2, volume.volumeId, signal)])
  const attachedAt = (v: Volume | undefined) => v?.Attachments?.find((a) => a.InstanceId === instanceId && a.State !== 'detached')
  if (!attachedAt(restored)) {
    await waitForVolume(ec2, restoredId, 'available', polling)
    if (attachedAt(replaced))
      await ec2.send(new DetachVolumeCommand({VolumeId: volume.volumeId, InstanceId: instanceId, Device: device}), {abortSignal: signal})
    await waitForVolume(ec2, volume.volumeId, 'available', polling)
    await ec2.send(new AttachVolumeCommand({VolumeId: restoredId, InstanceId: instanceId, Device: device}), {abortSignal: signal})
  }
  await waitForVolume(ec2, restoredId, 'in-use', polling)
  const Tags = [
    {Key: 'opsctl:replaced-by-rollback', Value: runId},
    {Key: 'opsctl:replaced-at', Value: at},
    {Key: 'opsctl:replaced-by', Value: restoredId},
  ]
  await ec2.send(new CreateTagsCommand({Resources: [volume.volumeId], Tags}), {abortSignal: signal})
  return restoredId
}

async function describeVolume(ec2: EC2Client, volumeId: string, signal: AbortSignal): Promise<Volume | undefined> {
  const {DescribeVolumesCommand} = await import('@aws-sdk/client-ec2')
  return (await ec2.send(new DescribeVolumesCommand({VolumeIds: [volumeId]}), {abortSignal: signal})).Volumes?.[0]
}

/** The volume this run restored from the snapshot for this instance, when an earlier attempt created it. */
async function restoredVolumeOf(ec2: EC2Client, rollback: Rollback, signal: AbortSignal): Promise<string | undefined> {
  const {DescribeVolumesCommand} = await import('@aws-sdk/client-ec2')
  const Filters = [
    {Name: 'tag:opsctl:restored-from', Values: [rollback.snapshotId]},
    {Name: 'tag:opsctl:instance-id', Values: [rollback.instanceId]},
    {Name: 'tag:opsctl:run-id', Values: [rollback.runId]},
  ]
  const {Volumes = []} = await ec2.send(new DescribeVolumesCommand({Filters}), {abortSignal: signal})
  return Volumes.find((v) => v.State !== 'deleting' && v.State !== 'deleted' && tagMap(v.Tags)['opsctl:restored-from'] === rollback.snapshotId)?.VolumeId
}

async function createRestoredVolume(ec2: EC2Client, rollback: Rollback, signal: AbortSignal): Promise<string> {
  const {CreateVolumeCommand} = await import('@aws-sdk/client-ec2')
  const {VolumeId} = await ec2.send(
    new CreateVolumeCommand({
      SnapshotId: rollback.snapshotId,
      AvailabilityZone: rollback.volume.availabilityZone,
      VolumeType: rollback.volume.volumeType as never,
      TagSpecifications: [
        {
          ResourceType: 'volume',
          Tags: [
            {Key: 'opsctl:run-id', Value: rollback.runId},
            {Key: 'opsctl:instance-id', Value: rollback.instanceId},
            {Key: 'opsctl:restored-from', Value: rollback.snapshotId},
          ],
        },
      ],
    }),
    {abortSignal: signal},
  )
  return VolumeId!
}
