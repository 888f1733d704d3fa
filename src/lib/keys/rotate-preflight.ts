import type {KeyMetadata} from '@aws-sdk/client-kms'

import {describeKmsKey, keyNamed, keyRotationStatus, keyRotations, onDemandCount} from '../aws/kms.js'
import type {Step, StepIO} from '../engine/types.js'
import {UsageError} from '../errors/errors.js'
import type {KeyRotateContext} from './rotate-context.js'

type RotateStep<O extends object> = Step<KeyRotateContext, O>

/** A reason KMS cannot, or opsctl will not, rotate a key on demand: the refusal's code and its sentence, given the key's name. */
interface Refusal {
  code: string
  applies(key: KeyMetadata): boolean
  says(named: string, key: KeyMetadata): string
}

const customKeyStoreOrigins = ['AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE']

/** In the order a user would fix them: the first that applies is the one reported. */
const refusals: Refusal[] = [
  {
    code: 'KmsKeyNotCustomerManaged',
    applies: (key) => key.KeyManager !== 'CUSTOMER',
    says: (named) => `KMS key ${named} is an AWS managed key, which AWS rotates itself; opsctl rotates only customer managed keys.`,
  },
  {
    code: 'KmsKeyPendingDeletion',
    applies: (key) => key.KeyState === 'PendingDeletion' || key.KeyState === 'PendingReplicaDeletion',
    says: (named, key) =>
      `KMS key ${named} is pending deletion${key.DeletionDate ? ` on ${key.DeletionDate.toISOString()}` : ''}; cancel the deletion ("aws kms cancel-key-deletion --key-id ${key.KeyId}") before rotating it.`,
  },
  {
    code: 'KmsKeyNotEnabled',
    applies: (key) => key.KeyState !== 'Enabled',
    says: (named, key) => `KMS key ${named} is ${key.KeyState}, not Enabled; enable it ("aws kms enable-key --key-id ${key.KeyId}") before rotating it.`,
  },
  {
    code: 'KmsKeyNotSymmetric',
    // KMS always reports both; emulators may leave out the defaults.
    applies: (key) => (key.KeySpec ?? 'SYMMETRIC_DEFAULT') !== 'SYMMETRIC_DEFAULT' || (key.KeyUsage ?? 'ENCRYPT_DECRYPT') !== 'ENCRYPT_DECRYPT',
    says: (named, key) =>
      `KMS key ${named} is a ${key.KeySpec} key for ${key.KeyUsage}, which KMS cannot rotate on demand; only symmetric encryption keys (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT) can be.`,
  },
  {
    code: 'KmsKeyInCustomKeyStore',
    applies: (key) => key.CustomKeyStoreId !== undefined || customKeyStoreOrigins.includes(key.Origin ?? ''),
    says: (named, key) =>
      `KMS key ${named} is in custom key store ${key.CustomKeyStoreId ?? key.Origin}, whose key material KMS cannot rotate; rotate it in its key store instead.`,
  },
  {
    code: 'KmsKeyImportedMaterial',
    applies: (key) => key.Origin === 'EXTERNAL',
    says: (named) =>
      `KMS key ${named} has imported key material (Origin EXTERNAL), which rotates only by importing new material; rotate it with "aws kms import-key-material" and "aws kms rotate-key-on-demand" instead.`,
  },
  {
    code: 'KmsKeyIsReplica',
    applies: (key) => key.MultiRegion === true && key.MultiRegionConfiguration?.MultiRegionKeyType !== 'PRIMARY',
    says: (named, key) =>
      `KMS key ${named} is a replica of multi-Region key ${key.MultiRegionConfiguration?.PrimaryKey?.Arn ?? '(its primary)'}; rotate the primary key, which rotates every replica.`,
  },
]

export interface CheckedKey {
  keyId: string
  keyArn: string
  description?: string
  multiRegion: boolean
}

export const checkKeyStep: RotateStep<CheckedKey> = {
  id: 'check-key',
  title: 'Check that the key is an enabled, customer managed, symmetric encryption key KMS can rotate',
  actions: ['kms:DescribeKey'],
  mutates: false,
  async run(ctx, io) {
    const key = await describeKmsKey(ctx.kms, ctx.key, io.signal)
    const refusal = refusals.find((r) => r.applies(key))
    if (refusal) throw new UsageError(refusal.says(keyNamed(ctx.key, key), key), refusal.code)
    return {keyId: key.KeyId!, keyArn: key.Arn!, description: key.Description || undefined, multiRegion: key.MultiRegion === true}
  },
}

/** The checked key's ARN, for every later step. */
export const checkedKeyArn = (io: StepIO) => io.outputOf(checkKeyStep)!.keyArn

export interface OnDemandBudget {
  onDemandRotations: number
  onDemandLimit: number
}

export const checkOnDemandBudgetStep: RotateStep<OnDemandBudget> = {
  id: 'check-on-demand-budget',
  title: 'Check that no rotation is under way and on-demand rotations are left (--on-demand-limit)',
  actions: ['kms:GetKeyRotationStatus', 'kms:ListKeyRotations'],
  mutates: false,
  async run(ctx, io) {
    const keyArn = checkedKeyArn(io)
    const {OnDemandRotationStartDate: since} = await keyRotationStatus(ctx.kms, keyArn, io.signal)
    if (since) {
      throw new UsageError(
        `KMS key ${keyArn} is already rotating on demand (since ${since.toISOString()}); wait until it has finished ("aws kms get-key-rotation-status --key-id ${keyArn}") and run again.`,
        'KeyRotationInProgress',
      )
    }
    const onDemandRotations = onDemandCount(await keyRotations(ctx.kms, keyArn, io.signal))
    if (onDemandRotations >= ctx.onDemandLimit) {
      throw new UsageError(
        `KMS key ${keyArn} has been rotated on demand ${onDemandRotations} times, its limit of ${ctx.onDemandLimit} (--on-demand-limit); rely on automatic rotation ("aws kms enable-key-rotation --key-id ${keyArn}") instead.`,
        'OnDemandRotationsSpent',
      )
    }
    return {onDemandRotations, onDemandLimit: ctx.onDemandLimit}
  },
}
