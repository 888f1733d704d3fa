import type {KMSClient} from '@aws-sdk/client-kms'
import type {RDSClient} from '@aws-sdk/client-rds'

import {describeKmsKey} from '../aws/kms.js'
import {copyDbSnapshot, findDbSnapshot} from '../aws/rds.js'
import {madeByRun, runTags} from '../aws/tags.js'
import {UsageError} from '../errors/errors.js'
import type {Step, StepIO} from '../engine/types.js'
import type {RestoreFrom, RestorePoint} from './restore.js'
import {SNAPSHOT_RESTORE_WORKFLOW} from './workflow-names.js'
import {deleteSnapshotOfRun, earlierSnapshotOfRun, type SnapshotWaitContext, waitForSnapshotAvailable} from './snapshots.js'

/*
 * Restoring under another KMS key (--kms-key). RDS restores an instance under the key of its snapshot
 * and cannot change it while restoring, so the snapshot is first copied under the new key, the copy is
 * restored, and the copy (an intermediate artefact of the run) is deleted at the end.
 */

export interface RekeyContext {
  rds: RDSClient
  kms: KMSClient
  sourceId: string
  /** The key to restore under: key id, key ARN, alias name or alias ARN. */
  kmsKeyId?: string
  pollIntervalMs: number
  timeoutMs: number
}

/** Outputs of the `check-kms-key` step. */
export interface KmsKeyCheck {
  kmsKeyId: string
  keyArn: string
  keyId: string
  snapshotEncrypted: boolean
  snapshotKmsKeyId?: string
}

/** A point in time is restored under the source's own key: only a snapshot can be re-keyed. */
export function assertRekeyable(from: RestoreFrom, kmsKeyId: string | undefined): void {
  if (kmsKeyId !== undefined && !('snapshotId' in from)) {
    throw new UsageError(`--kms-key cannot be used with ${'time' in from ? '--to-time' : '--latest'}, since RDS restores a point in time only under the source's own key; to restore under another key, restore from a snapshot (--snapshot).`, 'KmsKeyNeedsSnapshot')
  }
}

/** `<source>-rekey-<run id>`: a resumed run finds the copy it started. */
export const copySnapshotIdFor = (ctx: RekeyContext, runId: string) => `${ctx.sourceId}-rekey-${runId}`.toLowerCase()

/** With --kms-key, the restore starts from the copy under the new key instead of the chosen snapshot. */
export const copyToRestore = (io: StepIO) => io.outputOf('copy-snapshot')?.copySnapshotId as string | undefined

/** The expectation the verification of the restored instance checks, when the run re-keyed. */
export const requestedKey = (io: StepIO) => io.outputOf('check-kms-key') as KmsKeyCheck | undefined

const waitContext = (ctx: RekeyContext): SnapshotWaitContext => ({rds: ctx.rds, dbInstanceId: ctx.sourceId, pollIntervalMs: ctx.pollIntervalMs})

/**
 * The key exists in the region, is enabled and is a symmetric encryption key (the only kind RDS uses), and
 * is not already the snapshot's. An unencrypted snapshot is allowed: its copy is encrypted, which is how RDS
 * encrypts an unencrypted database.
 */
export const checkKmsKeyStep: Step<RekeyContext> = {
  id: 'check-kms-key',
  title: 'Check the KMS key to restore under (--kms-key): enabled, symmetric, not already the snapshot\'s',
  actions: ['kms:DescribeKey', 'rds:DescribeDBSnapshots'],
  mutates: false,
  async run(ctx, io) {
    const kmsKeyId = ctx.kmsKeyId!
    const key = await describeKmsKey(ctx.kms, kmsKeyId, io.signal)
    const named = key.Arn === kmsKeyId ? kmsKeyId : `${kmsKeyId} (${key.Arn})`
    if (key.KeyState !== 'Enabled') {
      throw new UsageError(`KMS key ${named} is ${key.KeyState}, not Enabled, in ${await ctx.kms.config.region()}; enable it or choose another --kms-key.`, 'KmsKeyNotEnabled')
    }
    // KMS always reports both; emulators may leave out the defaults.
    const {KeySpec: spec = 'SYMMETRIC_DEFAULT', KeyUsage: usage = 'ENCRYPT_DECRYPT'} = key
    if (spec !== 'SYMMETRIC_DEFAULT' || usage !== 'ENCRYPT_DECRYPT') {
      throw new UsageError(`KMS key ${named} is a ${spec} key for ${usage}, but RDS encrypts only with symmetric encryption keys (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT); choose another --kms-key.`, 'KmsKeyNotUsable')
    }
    const {snapshotId} = io.outputOf('restore-point') as unknown as RestorePoint
    const snapshot = (await findDbSnapshot(ctx.rds, snapshotId!, io.signal))!
    const check: KmsKeyCheck = {kmsKeyId, keyArn: key.Arn!, keyId: key.KeyId!, snapshotEncrypted: snapshot.Encrypted ?? false, snapshotKmsKeyId: snapshot.KmsKeyId}
    if (check.snapshotEncrypted && isRequestedKey(snapshot.KmsKeyId, check)) {
      throw new UsageError(`DB snapshot ${snapshotId} is already encrypted with KMS key ${named}; restore it without --kms-key.`, 'SameKmsKey')
    }
    return {...check}
  },
}

export const copySnapshotStep: Step<RekeyContext> = {
  id: 'copy-snapshot',
  title: 'Copy the snapshot under the new KMS key, tagged with the run id',
  actions: ['rds:CopyDBSnapshot', 'rds:AddTagsToResource', 'rds:DescribeDBSnapshots', 'rds:DeleteDBSnapshot', 'kms:CreateGrant', 'kms:DescribeKey'],
  mutates: true,
  async run(ctx, io) {
    const copySnapshotId = copySnapshotIdFor(ctx, io.runId)
    const {snapshotId} = io.outputOf('restore-point') as unknown as RestorePoint
    // Idempotent: an earlier attempt of this run may have started the copy already.
    const existing = await earlierSnapshotOfRun(waitContext(ctx), copySnapshotId, io)
    if (existing && !madeByRun(existing, io.runId)) {
      throw new UsageError(`A DB snapshot named ${copySnapshotId} already exists and was not made by run ${io.runId}; delete or rename it and run again.`, 'AlreadyExists')
    }
    if (existing) return {copySnapshotId, snapshotId, created: false}
    await copyDbSnapshot(ctx.rds, {
      SourceDBSnapshotIdentifier: snapshotId,
      TargetDBSnapshotIdentifier: copySnapshotId,
      KmsKeyId: requestedKey(io)!.keyArn,
      Tags: runTags(io.runId, SNAPSHOT_RESTORE_WORKFLOW),
    }, io.runId, io.signal)
    return {copySnapshotId, snapshotId, created: true}
  },
  // The undo waits for a copy still being made: as long as the run would have waited for it.
  undoTimeoutMs: (ctx) => ctx.timeoutMs,
  undo: async (ctx, io) => {
    await deleteSnapshotOfRun(waitContext(ctx), copySnapshotIdFor(ctx, io.runId), io)
  },
}

export const waitCopyAvailableStep: Step<RekeyContext> = {
  id: 'wait-copy-available',
  title: 'Wait until the copy of the snapshot is available',
  actions: ['rds:DescribeDBSnapshots'],
  mutates: false,
  timeoutMs: (ctx) => ctx.timeoutMs,
  async run(ctx, io) {
    const copy = await waitForSnapshotAvailable(waitContext(ctx), copySnapshotIdFor(ctx, io.runId), io)
    return {copySnapshotId: copy.DBSnapshotIdentifier, encrypted: copy.Encrypted ?? false, kmsKeyId: copy.KmsKeyId}
  },
}

/**
 * The copy is only a means to the restore. A failure to delete it is a warning, not a failed run:
 * failing here would undo the restored and verified instance.
 */
export const deleteCopyStep: Step<RekeyContext> = {
  id: 'delete-copy',
  title: 'Delete the copy of the snapshot',
  actions: ['rds:DeleteDBSnapshot', 'rds:DescribeDBSnapshots'],
  mutates: true,
  async run(ctx, io) {
    const copySnapshotId = copySnapshotIdFor(ctx, io.runId)
    try {
      return {copySnapshotId, deleted: await deleteSnapshotOfRun(waitContext(ctx), copySnapshotId, io)}
    } catch (error) {
      if (io.signal.aborted) throw error
      io.warn(`Could not delete the copy ${copySnapshotId} of the snapshot (${(error as Error).message}); delete it with "aws rds delete-db-snapshot --db-snapshot-identifier ${copySnapshotId}".`)
      return {copySnapshotId, deleted: false}
    }
  },
}

/** Whether the restored instance's key is the one asked for: RDS reports it as a key ARN (or id), the user may have named an alias. */
export function isRequestedKey(kmsKeyId: string | undefined, requested: KmsKeyCheck): boolean {
  return kmsKeyId !== undefined && [requested.keyArn, requested.keyId].includes(kmsKeyId)
}
