import type {KeyMetadata, KMSClient} from '@aws-sdk/client-kms'

import {assertEncryptionKey, decryptsUnder, describeKmsKey, keyNamed, probeKeyUse, regionOfKey, reWrapDataKey} from '../aws/kms.js'
import type {AwsSession} from '../aws/session.js'
import type {Step, StepIO, Workflow} from '../engine/types.js'
import {KEY_REENCRYPT_WORKFLOW} from '../engine/workflow-names.js'
import {OpsctlError, UsageError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import type {TenantStore, WrappedDataKey} from '../tenants/store.js'

/*
 * Re-encryption of tenants' envelope data keys from one KMS key to another (a new shard key, a customer's own key):
 * each wrapped key is re-wrapped with ReEncrypt, so its plaintext never leaves KMS; the new wrapping is checked to
 * decrypt under the destination key before it is stored, conditionally on the old one still being there, which is
 * kept beside it. The source key is left as it is: never disabled, never scheduled for deletion.
 */

export interface ReencryptRequest {
  /** The KMS key the data keys are wrapped under now, and the one they go to (id, ARN, alias name or alias ARN). */
  from: string
  to: string
  /** Only this tenant's data keys. */
  tenantId?: string
}

export interface ReencryptContext {
  session: AwsSession
  store: TenantStore
  request: ReencryptRequest
}

/** Data keys read from the store per call (and a line of progress after each). */
const BATCH = 100

type DataKeyRef = Pick<WrappedDataKey, 'pk' | 'sk' | 'tenantId' | 'product'>

/** KMS in the region of a key given by ARN (an alias or key id: the session's region). */
async function kmsFor(session: AwsSession, given: string): Promise<KMSClient> {
  const {KMSClient} = await import('@aws-sdk/client-kms')
  const region = regionOfKey(given)
  return (region ? session.inRegion(region) : session).client(KMSClient)
}

/** The destination can be used: enabled, symmetric, in the source's region, and usable by this identity (a test encryption). */
async function assertDestination(kms: KMSClient, request: ReencryptRequest, from: KeyMetadata, to: KeyMetadata, signal: AbortSignal): Promise<void> {
  if (to.Arn === from.Arn)
    throw new UsageError(`--from and --to are the same KMS key (${from.Arn}); name the key the data keys should go to as --to.`, 'SameKey')
  await assertEncryptionKey(kms, request.to, to, {by: 'opsctl', flag: '--to'})
  const [fromRegion, toRegion] = [from.Arn!, to.Arn!].map(regionOfKey)
  if (fromRegion !== toRegion)
    throw new UsageError(
      `KMS key ${keyNamed(request.to, to)} is in ${toRegion}, but the data keys are wrapped in ${fromRegion}; ReEncrypt works within a region: choose a --to key in ${fromRegion}.`,
      'KeyInOtherRegion',
    )
  const probe = await probeKeyUse(kms, to.Arn!, signal)
  if (!probe.usable)
    throw new UsageError(
      `KMS key ${keyNamed(request.to, to)} cannot be used by opsctl to encrypt and decrypt (${probe.reason}); grant kms:Encrypt, kms:Decrypt and kms:ReEncrypt* on it to this identity, then run again.`,
      'KeyNotUsable',
    )
}

export const checkReencryptStep: Step<ReencryptContext, {fromArn: string; toArn: string; dataKeys: DataKeyRef[]}> = {
  id: 'check-keys',
  title: 'Check both keys (the destination enabled, symmetric and usable, by a test encryption) and find the data keys under the source',
  actions: ['kms:DescribeKey', 'kms:Encrypt', 'kms:Decrypt', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Scan'],
  mutates: false,
  async run({session, store, request}, io) {
    const from = await describeKmsKey(await kmsFor(session, request.from), request.from, io.signal)
    const kms = await kmsFor(session, request.to)
    const to = await describeKmsKey(kms, request.to, io.signal)
    await assertDestination(kms, request, from, to, io.signal)
    await store.assertReady(io.signal)
    if (request.tenantId) await store.require(request.tenantId, io.signal)
    const all = await store.dataKeysUnderKey(from.Arn!, io.signal)
    const dataKeys = all.filter((k) => !request.tenantId || k.tenantId === request.tenantId).map(({pk, sk, tenantId, product}) => ({pk, sk, tenantId, product}))
    io.progress(`${dataKeys.length} data key(s) wrapped under ${from.Arn}`)
    return {fromArn: from.Arn!, toArn: to.Arn!, dataKeys}
  },
}

interface Rewrapped {
  reencrypted: number
  /** Wrapped under the destination already (an earlier attempt of this run, or another run). */
  alreadyDone: number
  /** Changed by something else since the check (a rotation made it decrypt-only, …): left as it is. */
  changedMeanwhile: number
}

export const reencryptStep: Step<ReencryptContext, Rewrapped> = {
  id: 'reencrypt-data-keys',
  title: 'Re-wrap each data key under the destination key (ReEncrypt), check it decrypts there, and store it conditionally',
  actions: ['kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:Decrypt', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
  mutates: true,
  async run(ctx, io) {
    const checked = io.outputOf(checkReencryptStep)!
    const kms = await kmsFor(ctx.session, checked.toArn)
    const counts: Rewrapped = {reencrypted: 0, alreadyDone: 0, changedMeanwhile: 0}
    for (let start = 0; start < checked.dataKeys.length; start += BATCH) {
      const items = await ctx.store.items<WrappedDataKey>(checked.dataKeys.slice(start, start + BATCH), io.signal)
      for (const item of items) counts[await rewrap(ctx.store, kms, item, checked, io)]++
      io.progress(`${Math.min(start + BATCH, checked.dataKeys.length)}/${checked.dataKeys.length} data keys`)
    }
    return counts
  },
}

async function rewrap(store: TenantStore, kms: KMSClient, item: WrappedDataKey, keys: {fromArn: string; toArn: string}, io: StepIO): Promise<keyof Rewrapped> {
  if (item.keyArn === keys.toArn) return 'alreadyDone'
  if (item.keyArn !== keys.fromArn) return 'changedMeanwhile'
  const rewrapped = await reWrapDataKey(kms, item, keys.toArn, io.signal)
  if (!(await decryptsUnder(kms, {blob: rewrapped.wrappedKey, encryptionContext: item.encryptionContext}, keys.toArn, io.signal)))
    throw new OpsctlError(
      `The ${item.product} data key of tenant ${item.tenantId}, re-wrapped under ${keys.toArn}, does not decrypt there; it was not stored (the key stays under ${keys.fromArn}).`,
      ExitCode.WorkflowFailed,
      'ReencryptNotVerified',
    )
  return (await store.rewrapDataKey(item, item, rewrapped, io.signal)) ? 'reencrypted' : 'changedMeanwhile'
}

export interface ReencryptOutcome extends Rewrapped {
  fromArn: string
  toArn: string
  dataKeys: number
}

/** `opsctl key reencrypt`: resumable (a data key already under the destination is skipped), with a dry run that counts them. */
export const reencryptWorkflow: Workflow<ReencryptContext, ReencryptOutcome> = {
  name: KEY_REENCRYPT_WORKFLOW,
  steps: [checkReencryptStep, reencryptStep],
  outcome(outputOf) {
    const {fromArn, toArn, dataKeys} = outputOf(checkReencryptStep)!
    return {fromArn, toArn, dataKeys: dataKeys.length, ...outputOf(reencryptStep)!}
  },
}
