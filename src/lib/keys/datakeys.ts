import {table} from '../report/format.js'
import {
  type DataKeyRecord,
  type DataKeyStatus,
  formatAge,
  limitsPassed,
  type PassedLimit,
  type UsageLimits,
  withoutCopiesOfCurrent,
} from '../tenants/data-keys.js'
import type {TenantStore} from '../tenants/store.js'

/*
 * `opsctl key datakeys`: the tenants' envelope data keys with their usage against the limits. What is shown is
 * about a key (tenant, product, KMS key, version, age, operations, status), never the key: neither a plaintext
 * (none exists) nor the wrapped blob.
 */

export interface DataKeyFilter {
  tenantId?: string
  product?: string
  /** Only current keys past a limit: those a rotation would rotate. */
  overLimit: boolean
  limits: UsageLimits
}

export interface DataKeyView {
  tenantId: string
  product: string
  keyArn: string
  keyVersion: number
  status: DataKeyStatus
  /** Empty when the key was written before keys carried their creation time. */
  createdAt: string
  /** Null when its creation time is unknown. */
  ageSeconds: number | null
  operations: number
  /** The limits a current key is past (none for a decrypt-only key). */
  limitsPassed: PassedLimit[]
}

export interface DataKeyListing {
  keys: DataKeyView[]
  limits: {maxOperations: number; maxAgeSeconds: number}
  /** How the store was read: a query of the tenant's partition, or a scan of the table; and how many pages. */
  read: {by: 'query' | 'scan'; pages: number}
}

/** A key as listed: what it is and how much it was used, without its wrapped blob. */
export function viewOf(key: DataKeyRecord, limits: UsageLimits, now: number): DataKeyView {
  const created = Date.parse(key.createdAt)
  return {
    tenantId: key.tenantId,
    product: key.product,
    keyArn: key.keyArn,
    keyVersion: key.keyVersion,
    status: key.status as DataKeyStatus,
    createdAt: key.createdAt,
    ageSeconds: Number.isNaN(created) ? null : Math.max(0, Math.floor((now - created) / 1000)),
    operations: key.operations,
    limitsPassed: limitsPassed(key, limits, now),
  }
}

/**
 * Reads every data key of the tenant (a query of its partition) or of every tenant (a scan, page by page), and keeps
 * those the filter asks for; `onPage` is told how many keys were read so far.
 */
export async function readDataKeys(
  store: TenantStore,
  filter: Pick<DataKeyFilter, 'tenantId' | 'product'>,
  onPage: (read: number) => void = () => {},
  signal?: AbortSignal,
): Promise<{keys: DataKeyRecord[]; read: DataKeyListing['read']}> {
  if (filter.tenantId) {
    const {keys, pages} = await store.dataKeysOf(filter.tenantId, signal)
    return {keys: withoutCopiesOfCurrent(keys.filter((k) => !filter.product || k.product === filter.product)), read: {by: 'query', pages}}
  }
  const keys: DataKeyRecord[] = []
  const {pages} = await store.scanDataKeys(
    {product: filter.product},
    (page) => {
      keys.push(...page)
      onPage(keys.length)
    },
    signal,
  )
  return {keys: withoutCopiesOfCurrent(keys), read: {by: 'scan', pages}}
}

const byTenantProductVersion = (a: DataKeyView, b: DataKeyView) =>
  a.tenantId.localeCompare(b.tenantId) || a.product.localeCompare(b.product) || b.keyVersion - a.keyVersion

/** The listing of `opsctl key datakeys`: current keys first within a tenant's product, newest version first. */
export async function listDataKeys(store: TenantStore, filter: DataKeyFilter, now: number, signal?: AbortSignal): Promise<DataKeyListing> {
  await store.assertReady(signal)
  const {keys, read} = await readDataKeys(store, filter, undefined, signal)
  const views = keys.map((key) => viewOf(key, filter.limits, now)).filter((view) => !filter.overLimit || view.limitsPassed.length > 0)
  return {
    keys: views.sort(byTenantProductVersion),
    limits: {maxOperations: filter.limits.maxOperations, maxAgeSeconds: Math.floor(filter.limits.maxAgeMs / 1000)},
    read,
  }
}

const passedIn = (view: DataKeyView) =>
  view.status !== 'current' ? '' : view.limitsPassed.length === 0 ? 'within limits' : view.limitsPassed.map((l) => `${l} over limit`).join(', ')

/** The listing as a terminal shows it, within `width` columns: a KMS key by its id (--json has its ARN). */
export function renderDataKeys(listing: DataKeyListing, width: number): string {
  const {keys, limits, read} = listing
  const how = `Read with a ${read.by === 'query' ? "query of the tenant's partition" : 'scan of the table'} (${read.pages} page${read.pages === 1 ? '' : 's'}).`
  const against = `${limits.maxOperations.toLocaleString('en-US')} operations or ${formatAge(limits.maxAgeSeconds * 1000)}`
  if (keys.length === 0) return `No data key matches (limits: ${against}).\n${how}`
  const due = keys.filter((k) => k.limitsPassed.length > 0).length
  return [
    table(
      ['TENANT', 'PRODUCT', 'VERSION', 'STATUS', 'AGE', 'OPERATIONS', 'LIMITS', 'KMS KEY ID'],
      keys.map((k) => [
        k.tenantId,
        k.product,
        String(k.keyVersion),
        k.status,
        k.ageSeconds === null ? 'unknown' : formatAge(k.ageSeconds * 1000),
        k.operations.toLocaleString('en-US'),
        passedIn(k),
        k.keyArn.replace(/^arn:[^:]+:kms:[^:]*:\d*:key\//, ''),
      ]),
      {width, columns: {PRODUCT: 10, 'KMS KEY ID': 13}},
    ),
    '',
    `${keys.length} data key(s); ${due} current one(s) past the limits (${against}).`,
    how,
    ...(due > 0 ? ['Rotate them with "opsctl key datakeys rotate --all".'] : []),
  ].join('\n')
}
