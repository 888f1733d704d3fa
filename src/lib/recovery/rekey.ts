import type {KMSClient} from '@aws-sdk/client-kms'
import type {RDSClient} from '@aws-sdk/client-rds'

import {assertEncryptionKey, describeKmsKey, isKey, keyNamed} from '../aws/kms.js'
import {copyDbSnapshot, findDbSnapshot} from '../aws/rds.js'
import {madeByRun, runTags} from '../aws/tags.js'
import type {Step} from '../engine/types.js'
import {UsageError} from '../errors/errors.js'
import {type KmsKeyCheck, requestedKey, restorePoint, snapshotCopy} from './restore-steps.js'
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

/** `<source>-rekey-<run id>`: a resumed run finds the copy it started. */
export const copySnapshotIdFor = (ctx: RekeyContext, runId: string) => `${ctx.sourceId}-rekey-${runId}`.toLowerCase()

const waitContext = (ctx: RekeyContext): SnapshotWaitContext => ({rds: ctx.rds, dbInstanceId: ctx.sourceId, pollIntervalMs: ctx.pollIntervalMs})

/**
 * The key exists in the region, is enabled and is a symmetric encryption key (the only kind RDS uses), and
 * is not already the snapshot's. An unencrypted snapshot is allowed: its copy is encrypted, which is how RDS
 * encrypts an unencrypted database.
 */
export const checkKmsKeyStep: Step<RekeyContext, KmsKeyCheck> = {
  ...requestedKey,
  title: "Check the KMS key to restore under (--kms-key): enabled, symmetric, not already the snapshot's",
  actions: ['kms:DescribeKey', 'rds:DescribeDBSnapshots'],
  mutates: false,
  async run(ctx, io) {
    const kmsKeyId = ctx.kmsKeyId!
    const key = await describeKmsKey(ctx.kms, kmsKeyId, io.signal)
    await assertEncryptionKey(ctx.kms, kmsKeyId, key, {by: 'RDS', flag: '--kms-key'})
    const {snapshotId} = io.outputOf(restorePoint)!
    const snapshot = (await findDbSnapshot(ctx.rds, snapshotId!, io.signal))!
    if (snapshot.Encrypted && isKey(snapshot.KmsKeyId, key)) {
      throw new UsageError(
        `DB snapshot ${snapshotId} is already encrypted with KMS key ${keyNamed(kmsKeyId, key)}; restore it without --kms-key.`,
        'SameKmsKey',
      )
    }
    return {kmsKeyId, keyArn: key.Arn!, keyId: key.KeyId!, snapshotEncrypted: snapshot.Encrypted ?? false, snapshotKmsKeyId: snapshot.KmsKeyId}
  },
}

export const copySnapshotStep: Step<RekeyContext, {copySnapshotId: string; snapshotId?: string; created: boolean}> = {
  ...snapshotCopy,
  title: 'Copy the snapshot under the new KMS key, tagged with the run id',
  actions: ['rds:CopyDBSnapshot', 'rds:AddTagsToResource', 'rds:DescribeDBSnapshots', 'rds:DeleteDBSnapshot', 'kms:CreateGrant', 'kms:DescribeKey'],
  mutates: true,
  async run(ctx, io) {
    const copySnapshotId = copySnapshotIdFor(ctx, io.runId)
    const {snapshotId} = io.outputOf(restorePoint)!
    // Idempotent: an earlier attempt of this run may have started the copy already.
    const existing = await earlierSnapshotOfRun(waitContext(ctx), copySnapshotId, io)
    if (existing && !madeByRun(existing, io.runId)) {
      throw new UsageError(
        `A DB snapshot named ${copySnapshotId} already exists and was not made by run ${io.runId}; delete or rename it and run again.`,
        'AlreadyExists',
      )
    }
    if (existing) return {copySnapshotId, snapshotId, created: false}
    await copyDbSnapshot(
      ctx.rds,
      {
        SourceDBSnapshotIdentifier: snapshotId,
        TargetDBSnapshotIdentifier: copySnapshotId,
        KmsKeyId: io.outputOf(requestedKey)!.keyArn,
        Tags: runTags(io.runId, io.workflow),
      },
      io.runId,
      io.signal,
    )
    return {copySnapshotId, snapshotId, created: true}
  },
  // The undo waits for a copy still being made: as long as the run would have waited for it.
  undoTimeoutMs: (ctx) => ctx.timeoutMs,
  undo: async (ctx, io) => {
    await deleteSnapshotOfRun(waitContext(ctx), copySnapshotIdFor(ctx, io.runId), io)
  },
}

export const waitCopyAvailableStep: Step<RekeyContext, {copySnapshotId?: string; encrypted: boolean; kmsKeyId?: string}> = {
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
export const deleteCopyStep: Step<RekeyContext, {copySnapshotId: string; deleted: boolean}> = {
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
      io.warn(
        `Could not delete the copy ${copySnapshotId} of the snapshot (${(error as Error).message}); delete it with "aws rds delete-db-snapshot --db-snapshot-identifier ${copySnapshotId}".`,
      )
      return {copySnapshotId, deleted: false}
    }
  },
}
