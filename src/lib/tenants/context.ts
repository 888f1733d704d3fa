import {UsageError} from '../errors/errors.js'

/*
 * The tenant context: what the platform knows of one customer, and every request carries (PRACTICES.md,
 * "Multi-tenancy and the tenant lifecycle"). One item per tenant in the tenant store, versioned.
 */

/** The lifecycle of a product of a tenant: pending → active ⇄ suspended; active or suspended → deactivated → active; any → destroyed. */
export const productStates = ['pending', 'active', 'suspended', 'deactivated', 'destroyed'] as const
export type ProductStateName = (typeof productStates)[number]

export interface ProductState {
  state: ProductStateName
  /** The AWS region its data lives in. */
  region: string
  seats: number
  licence: 'active' | 'inactive'
  /** The shard (DB instance or Aurora cluster) its database is on, once placed. */
  shardId?: string
  /** The tenant's database on that shard. */
  database?: string
}

export type TenantStatus = 'provisioning' | 'active' | 'destroyed'

export interface TenantContext {
  tenantId: string
  site: string
  /** A location code (US, EU, …) the tenant's data is pinned to, or "global". */
  residency: string
  status: TenantStatus
  products: Record<string, ProductState>
  apps: string[]
  features: string[]
  /** The configuration keys stored for it in SSM Parameter Store, under /opsctl/tenants/<id>/. */
  configKeys: string[]
  /** Bumped by every write; every write is conditional on the version it read. */
  version: number
  createdAt: string
  updatedAt: string
  /** The run that provisioned it: only that run's undo may delete it. */
  provisionedBy: string
  /** The run that made the last change, and its step: a retry after a lost response recognises its own change by them. */
  lastRunId: string
  lastStep: string
  /** Set once destroyed: until then it can be restored; after it `opsctl tenant purge` deletes its data keys. */
  destroyedAt?: string
  graceUntil?: string
}

const tenantIdPattern = /^[a-z0-9][a-z0-9-]{1,62}$/
const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/

export function assertTenantId(id: string): string {
  if (!tenantIdPattern.test(id)) {
    throw new UsageError(`"${id}" is not a tenant id: use 2–63 lowercase letters, digits and hyphens, starting with a letter or digit.`, 'InvalidTenantId')
  }
  return id
}

export function assertSiteName(site: string): string {
  if (!dnsLabel.test(site)) {
    throw new UsageError(
      `"${site}" is not a site name: a site name is a DNS label (1–63 lowercase letters, digits and hyphens, not starting or ending with a hyphen).`,
      'InvalidSiteName',
    )
  }
  return site
}

/** Which product state may follow which: anything else is refused naming the current state. */
const transitions: Record<ProductStateName, readonly ProductStateName[]> = {
  pending: ['active', 'destroyed'],
  active: ['suspended', 'deactivated', 'destroyed'],
  suspended: ['active', 'deactivated', 'destroyed'],
  deactivated: ['active', 'destroyed'],
  destroyed: [],
}

export function assertTransition(tenantId: string, product: string, from: ProductStateName, to: ProductStateName): void {
  if (!transitions[from].includes(to)) {
    const allowed = transitions[from]
    throw new UsageError(
      `${product} of tenant ${tenantId} is ${from}, so it cannot become ${to}${allowed.length > 0 ? `; from ${from} it can become ${allowed.join(' or ')}` : ''}.`,
      'InvalidTransition',
    )
  }
}
