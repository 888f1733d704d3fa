import type {KeyMetadata, KMSClient} from '@aws-sdk/client-kms'

import {
  aliasesByKeyId,
  describeKmsKey,
  keyNamed,
  keyRotationStatus,
  keyRotations,
  listKeyIds,
  ROTATION_PERIOD_DAYS,
  rotationPeriodDays,
  supportsAutomaticRotation,
} from '../aws/kms.js'
import {mapWithLimit} from '../aws/paginate.js'
import type {AwsSession} from '../aws/session.js'
import {UsageError} from '../errors/errors.js'
import type {TenantStore} from '../tenants/store.js'
import {type KeyUsers, readEncryptedResources, usersOfKeys} from './key-users.js'

/*
 * `opsctl key status`: each customer-managed KMS key's rotation (on or off, period, next and last rotation,
 * on-demand rotations used against their limit), its aliases, what uses it, and the policy's verdicts on it.
 * Nothing here writes.
 */

/** How many keys are read at once (DescribeKey, rotation status, rotations: a few calls a key). */
const KEY_CONCURRENCY = 4

export interface RotationPolicy {
  /** The longest automatic rotation period allowed (90 to 2560, as KMS allows). */
  maxRotationDays: number
  /** On-demand rotations a key may have before its budget is spent. */
  onDemandLimit: number
}

export interface KeyStatusRequest extends RotationPolicy {
  /** Key ids, key ARNs, alias names or alias ARNs; none means every customer-managed key of the region. */
  keys: string[]
  all: boolean
}

export interface RotationView {
  /** Whether the key can rotate automatically at all (enabled, symmetric, KMS-generated, customer-managed). */
  supported: boolean
  enabled: boolean
  periodDays?: number
  nextRotationDate?: string
  /** When an on-demand rotation in progress started. */
  onDemandRotationStartDate?: string
  lastRotation?: {date: string; type: 'AUTOMATIC' | 'ON_DEMAND'}
  rotations: number
  onDemandUsed: number
  onDemandLimit: number
}

export const verdictCodes = ['rotation-off', 'period-above-policy', 'next-rotation-overdue', 'on-demand-budget-exhausted'] as const

export interface KeyVerdict {
  code: (typeof verdictCodes)[number]
  /** One sentence. */
  message: string
}

export interface KeyStatus {
  keyId: string
  arn: string
  aliases: string[]
  description: string
  state: string
  keySpec: string
  keyUsage: string
  origin: string
  rotation: RotationView
  usedBy: KeyUsers
  /** None: the key is as the policy asks. */
  verdicts: KeyVerdict[]
}

export interface KeyStatusReport {
  region: string
  checkedAt: string
  policy: RotationPolicy
  tenantStore: {table: string; region: string; found: boolean}
  keys: KeyStatus[]
}

/** A --max-rotation-days KMS could not set is refused before any call. */
export function assertRotationPolicy(policy: RotationPolicy): void {
  const {min, max} = ROTATION_PERIOD_DAYS
  if (!Number.isInteger(policy.maxRotationDays) || policy.maxRotationDays < min || policy.maxRotationDays > max) {
    throw new UsageError(
      `--max-rotation-days ${policy.maxRotationDays} is outside the rotation periods KMS allows; choose ${min} to ${max} days.`,
      'InvalidRotationPeriod',
    )
  }
  if (!Number.isInteger(policy.onDemandLimit) || policy.onDemandLimit < 1) {
    throw new UsageError(`--on-demand-limit ${policy.onDemandLimit} is not a positive whole number of rotations.`, 'InvalidOnDemandLimit')
  }
}

/** Whether AWS manages the key: its KeyManager says so, or it is named by an alias only AWS may create (alias/aws/…). */
export const isAwsManaged = (key: Pick<KeyMetadata, 'KeyManager'>, aliases: readonly string[]) =>
  key.KeyManager === 'AWS' || aliases.some((alias) => /(^|:)alias\/aws\//.test(alias))

/** Where a status is read from, opened only once the request has been checked. */
export interface KeyStatusIO {
  openSession(): Promise<AwsSession>
  openTenantStore(session: AwsSession): Promise<TenantStore>
}

/**
 * The status of the named keys, or of every customer-managed key of the region. Bad flags are refused before any
 * AWS call; an unknown or AWS-managed key before anything but the keys is read.
 */
export async function keyStatus(request: KeyStatusRequest, io: KeyStatusIO, now = new Date()): Promise<KeyStatusReport> {
  assertRotationPolicy(request)
  if (request.all && request.keys.length > 0) throw new UsageError('Name keys or pass --all, not both.', 'KeysAndAll')
  const session = await io.openSession()
  const {KMSClient} = await import('@aws-sdk/client-kms')
  const kms = session.client(KMSClient)
  const aliases = await aliasesByKeyId(kms)
  const keys = request.keys.length > 0 ? await namedKeys(kms, request.keys, aliases) : await customerKeys(kms, aliases)
  const store = await io.openTenantStore(session)
  const [resources, tenantStore] = await Promise.all([readEncryptedResources(session), store.ifReady()])
  const [rotations, users] = await Promise.all([
    mapWithLimit(keys, KEY_CONCURRENCY, (key) => rotationOf(kms, key, request.onDemandLimit)),
    usersOfKeys(keys, resources, tenantStore),
  ])
  return {
    region: session.region,
    checkedAt: now.toISOString(),
    policy: {maxRotationDays: request.maxRotationDays, onDemandLimit: request.onDemandLimit},
    tenantStore: {table: store.table, region: store.location.region, found: tenantStore !== undefined},
    keys: keys.map((key, i) => keyStatusOf(key, aliases.get(key.KeyId!) ?? [], rotations[i], users[i], {policy: request, now})),
  }
}

/** The keys as named, each once; an unknown one or one AWS manages is a usage error naming it. */
async function namedKeys(kms: KMSClient, given: string[], aliases: Map<string, string[]>): Promise<KeyMetadata[]> {
  const keys = await mapWithLimit(given, KEY_CONCURRENCY, async (name) => {
    const key = await describeKmsKey(kms, name)
    if (isAwsManaged(key, [name, ...(aliases.get(key.KeyId!) ?? [])])) {
      throw new UsageError(
        `KMS key ${keyNamed(name, key)} is AWS managed, rotated by AWS on its own schedule and not opsctl's to rotate; name a customer-managed key.`,
        'AwsManagedKey',
      )
    }
    return key
  })
  return keys.filter((key, i) => keys.findIndex((k) => k.KeyId === key.KeyId) === i)
}

/** Every customer-managed key of the region, by key id. */
async function customerKeys(kms: KMSClient, aliases: Map<string, string[]>): Promise<KeyMetadata[]> {
  const keys = await mapWithLimit(await listKeyIds(kms), KEY_CONCURRENCY, (keyId) => describeKmsKey(kms, keyId))
  return keys.filter((key) => !isAwsManaged(key, aliases.get(key.KeyId!) ?? [])).sort((a, b) => a.KeyId!.localeCompare(b.KeyId!))
}

/** A key's rotation: read only for keys that can rotate automatically (KMS refuses the calls for the others). */
async function rotationOf(kms: KMSClient, key: KeyMetadata, onDemandLimit: number): Promise<RotationView> {
  if (!supportsAutomaticRotation(key)) return {supported: false, enabled: false, rotations: 0, onDemandUsed: 0, onDemandLimit}
  const [status, rotations] = await Promise.all([keyRotationStatus(kms, key.KeyId!), keyRotations(kms, key.KeyId!)])
  const last = rotations.at(-1)
  const periodDays = rotationPeriodDays(status)
  return {
    supported: true,
    enabled: status.KeyRotationEnabled ?? false,
    ...(periodDays === undefined ? {} : {periodDays}),
    ...(status.NextRotationDate ? {nextRotationDate: status.NextRotationDate.toISOString()} : {}),
    ...(status.OnDemandRotationStartDate ? {onDemandRotationStartDate: status.OnDemandRotationStartDate.toISOString()} : {}),
    ...(last?.RotationDate ? {lastRotation: {date: last.RotationDate.toISOString(), type: last.RotationType === 'ON_DEMAND' ? 'ON_DEMAND' : 'AUTOMATIC'}} : {}),
    rotations: rotations.length,
    onDemandUsed: rotations.filter((r) => r.RotationType === 'ON_DEMAND').length,
    onDemandLimit,
  }
}

function keyStatusOf(key: KeyMetadata, aliases: string[], rotation: RotationView, usedBy: KeyUsers, judged: {policy: RotationPolicy; now: Date}): KeyStatus {
  return {
    keyId: key.KeyId!,
    arn: key.Arn!,
    aliases: [...aliases].sort(),
    description: key.Description ?? '',
    state: key.KeyState ?? 'Unknown',
    // KMS always reports these; emulators may leave out the defaults.
    keySpec: key.KeySpec ?? 'SYMMETRIC_DEFAULT',
    keyUsage: key.KeyUsage ?? 'ENCRYPT_DECRYPT',
    origin: key.Origin ?? 'AWS_KMS',
    rotation,
    usedBy,
    verdicts: rotationVerdicts(rotation, judged.policy, judged.now),
  }
}

/** What the policy says of a key's rotation: nothing when it is as asked. */
export function rotationVerdicts(rotation: RotationView, policy: RotationPolicy, now: Date): KeyVerdict[] {
  const verdicts: KeyVerdict[] = []
  if (rotation.supported && !rotation.enabled) verdicts.push({code: 'rotation-off', message: 'Automatic rotation is off.'})
  if (rotation.enabled && rotation.periodDays !== undefined && rotation.periodDays > policy.maxRotationDays) {
    verdicts.push({
      code: 'period-above-policy',
      message: `It rotates every ${rotation.periodDays} days, longer than the policy's ${policy.maxRotationDays}.`,
    })
  }
  if (rotation.enabled && rotation.nextRotationDate && Date.parse(rotation.nextRotationDate) < now.getTime()) {
    verdicts.push({code: 'next-rotation-overdue', message: `Its next rotation was due ${rotation.nextRotationDate} and has not happened.`})
  }
  if (rotation.onDemandUsed >= rotation.onDemandLimit) {
    verdicts.push({
      code: 'on-demand-budget-exhausted',
      message: `It has used ${rotation.onDemandUsed} of its ${rotation.onDemandLimit} on-demand rotations.`,
    })
  }
  return verdicts
}
