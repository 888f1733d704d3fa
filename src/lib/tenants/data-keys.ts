import {UsageError} from '../errors/errors.js'
import {DAY_MS, HOUR_MS} from '../time/clock.js'

/*
 * A tenant's envelope data keys and their usage limits. The current key of a tenant's product always lives at
 * DATAKEY#<product> (services find it, and add their operations to its counter, without knowing its version); a
 * rotation copies it, unchanged but for its status, to DATAKEY#<product>#v<version> as decrypt-only, then puts the
 * new one in its place on condition that it is still the version read. Decrypt-only keys are kept (what they
 * encrypted must still decrypt) until the tenant is purged.
 */

export type DataKeyStatus = 'current' | 'decrypt-only'

/** A tenant's envelope data key as the store keeps it: only wrapped, never a plaintext. */
export interface WrappedDataKey {
  pk: string
  sk: string
  tenantId: string
  product: string
  /** The data key, encrypted under the KMS key (base64). */
  wrappedKey: string
  /** The KMS key it is wrapped under (other code scans on this attribute). */
  keyArn: string
  encryptionContext: Record<string, string>
  status: string
}

/** A data key as the store keeps it: wrapped only, with its version, its age and its usage counter. */
export interface DataKeyRecord extends WrappedDataKey {
  /** 1 for the key made at provisioning, one more at each rotation. */
  keyVersion: number
  createdAt: string
  /** Encrypt operations services counted against it (UpdateItem … ADD operations :n). */
  operations: number
  /** The run that made it (a provision, or the rotation that made it current). */
  runId?: string
  /** When and by which run it became decrypt-only. */
  retiredAt?: string
  retiredBy?: string
}

/** Rotate a current data key after this many operations or this age, whichever comes first. */
export interface UsageLimits {
  maxOperations: number
  maxAgeMs: number
}

export type PassedLimit = 'operations' | 'age'

export const DEFAULT_MAX_OPERATIONS = 5_000_000
export const DEFAULT_MAX_AGE = '24h'

export const DATAKEY_PREFIX = 'DATAKEY#'

/** Where the current data key of a tenant's product is: services add their operations to its counter there. */
export const dataKeyKey = (tenantId: string, product: string) => ({pk: `TENANT#${tenantId}`, sk: `${DATAKEY_PREFIX}${product}`})

/** Where a decrypt-only version of a product's data key is kept (zero-padded, so versions sort in order). */
export const retiredDataKeyKey = (tenantId: string, product: string, version: number) => ({
  pk: `TENANT#${tenantId}`,
  sk: `${DATAKEY_PREFIX}${product}#v${String(version).padStart(10, '0')}`,
})

/** Whether a data key item (by its sort key) belongs to the product: its current key or one of its decrypt-only ones. */
export const isDataKeyOf = (sk: string, product: string) => sk === `${DATAKEY_PREFIX}${product}` || sk.startsWith(`${DATAKEY_PREFIX}${product}#`)

/** An item as read, with the defaults of a key written before keys carried versions, ages and counters ('active': current). */
export function asDataKeyRecord(item: WrappedDataKey & Partial<DataKeyRecord>): DataKeyRecord {
  return {
    ...item,
    status: item.status === 'decrypt-only' ? 'decrypt-only' : 'current',
    keyVersion: Number(item.keyVersion ?? 1),
    createdAt: item.createdAt ?? '',
    operations: Number(item.operations ?? 0),
  }
}

/** Which limits a current data key is past (a decrypt-only key encrypts nothing: none). A key of unknown age is past its age. */
export function limitsPassed(key: DataKeyRecord, limits: UsageLimits, now: number): PassedLimit[] {
  if (key.status !== 'current') return []
  const passed: PassedLimit[] = []
  if (key.operations >= limits.maxOperations) passed.push('operations')
  const created = Date.parse(key.createdAt)
  if (Number.isNaN(created) || now - created >= limits.maxAgeMs) passed.push('age')
  return passed
}

/** Why a key is due, in words: "5,000,012 operations ≥ 5,000,000" and/or "age 26h ≥ 24h". */
export function whyDue(key: DataKeyRecord, passed: PassedLimit[], limits: UsageLimits, now: number): string {
  const reasons = passed.map((limit) =>
    limit === 'operations'
      ? `${key.operations.toLocaleString('en-US')} operations ≥ ${limits.maxOperations.toLocaleString('en-US')}`
      : key.createdAt
        ? `age ${formatAge(now - Date.parse(key.createdAt))} ≥ ${formatAge(limits.maxAgeMs)}`
        : 'age unknown (no createdAt)',
  )
  return reasons.join(' and ')
}

const units: [string, number][] = [
  ['d', DAY_MS],
  ['h', HOUR_MS],
  ['m', 60_000],
  ['s', 1000],
]

/** An age as people write it: whole days from two days on, else hours and minutes, else minutes or seconds (24h, 7d, 25h10m, 90s). */
export function formatAge(ms: number): string {
  const [day, hour, minute, second] = units.map(([, size]) => size)
  if (ms >= 2 * day && ms % day === 0) return `${ms / day}d`
  const hours = Math.floor(ms / hour)
  const minutes = Math.floor((ms % hour) / minute)
  if (hours > 0) return minutes > 0 ? `${hours}h${minutes}m` : `${hours}h`
  // Under ten minutes an age to the second says more than one rounded down to the minute.
  return ms % minute === 0 || ms >= 10 * minute ? `${minutes}m` : `${Math.floor(ms / second)}s`
}

/** A --max-age like 24h, 30m, 7d or 90s, in milliseconds; anything else is refused in one sentence (exit 2). */
export function parseMaxAge(text: string, flag = '--max-age'): number {
  const match = /^(\d+)\s*([smhd])$/.exec(text.trim())
  const ms = match ? Number(match[1]) * units.find(([unit]) => unit === match[2])![1] : 0
  if (ms < 1) throw new UsageError(`${flag} "${text}" is not an age; write a whole number of minutes, hours or days, like 30m, 24h or 7d.`, 'InvalidMaxAge')
  return ms
}

/** A --max-operations: a whole number of at least 1; anything else is refused in one sentence (exit 2). */
export function parseMaxOperations(text: string, flag = '--max-operations'): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : 0
  if (!Number.isSafeInteger(value) || value < 1)
    throw new UsageError(
      `${flag} "${text}" is not a count of at least 1; a data key is rotated after a whole number of operations, like 5000000.`,
      'InvalidMaxOperations',
    )
  return value
}

/** A product's first data key, as provisioning writes it: current, version 1, no operations yet. */
export function firstDataKey(target: {tenantId: string; product: string}, key: {wrappedKey: string; keyArn: string}, at: string, runId: string): DataKeyRecord {
  const {tenantId, product} = target
  return {
    ...dataKeyKey(tenantId, product),
    tenantId,
    product,
    wrappedKey: key.wrappedKey,
    keyArn: key.keyArn,
    encryptionContext: {tenant: tenantId, product},
    status: 'current',
    keyVersion: 1,
    createdAt: at,
    operations: 0,
    runId,
  }
}

/**
 * The two writes of a rotation. First the old key is kept, decrypt-only, under its version: a copy, written without a
 * condition (so copies are batched: a copy of a version is the same whoever writes it) and before anything else, so
 * no state after it has lost a key. Then the new key takes the current key's place on condition that the current key
 * is still the version that was read, so two rotations racing cannot both win nor make two current keys.
 */
export function decryptOnlyCopy(old: DataKeyRecord, at: string, runId: string): DataKeyRecord {
  return {...old, ...retiredDataKeyKey(old.tenantId, old.product, old.keyVersion), status: 'decrypt-only', retiredAt: at, retiredBy: runId}
}

export function successorPut(table: string, old: DataKeyRecord, wrapped: {wrappedKey: string; keyArn: string}, at: string, runId: string) {
  const next: DataKeyRecord = {...firstDataKey(old, wrapped, at, runId), encryptionContext: old.encryptionContext, keyVersion: old.keyVersion + 1}
  // A key written before keys carried versions is version 1 without saying so.
  const sameVersion = old.keyVersion === 1 ? '(keyVersion = :v OR attribute_not_exists(keyVersion))' : 'keyVersion = :v'
  return {
    TableName: table,
    Item: next,
    ConditionExpression: `wrappedKey = :wrapped AND ${sameVersion} AND #status <> :retired`,
    ExpressionAttributeNames: {'#status': 'status'},
    ExpressionAttributeValues: {':wrapped': old.wrappedKey, ':v': old.keyVersion, ':retired': 'decrypt-only'},
  }
}

/**
 * The keys as a listing shows them: a decrypt-only copy of a version that is still current (a rotation interrupted
 * between its two writes, or one that lost a race to a re-encryption) is the same key as the current one, shown once.
 */
export function withoutCopiesOfCurrent(keys: DataKeyRecord[]): DataKeyRecord[] {
  const current = new Set(keys.filter((k) => k.status === 'current').map((k) => `${k.tenantId}/${k.product}/${k.keyVersion}`))
  return keys.filter((k) => k.status === 'current' || !current.has(`${k.tenantId}/${k.product}/${k.keyVersion}`))
}
