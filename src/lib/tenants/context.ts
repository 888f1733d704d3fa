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
  /** Once destroyed: the state it had, which `opsctl tenant restore` gives back. */
  previousState?: ProductStateName
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
  /** Set once purged: its data keys (crypto-shredding), configuration, identity and site are gone; its event log stays. */
  purgedAt?: string
}

const tenantIdPattern = /^[a-z0-9][a-z0-9-]{1,62}$/
const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/

export function assertTenantId(id: string): string {
  if (!tenantIdPattern.test(id)) {
    throw new UsageError(`"${id}" is not a tenant id: use 2–63 lowercase letters, digits and hyphens, starting with a letter or digit.`, 'InvalidTenantId')
  }
  return id
}

/** The most seats one product of a tenant may have: far above any customer, and a number DynamoDB and JSON hold exactly. */
export const MAX_SEATS = 1_000_000

/** Seats as given to --seats (`given` is how the flag was written, e.g. "jira=50" or "50"): a whole number from 1 to MAX_SEATS. */
export function assertSeats(seats: number, given: string): number {
  if (!Number.isInteger(seats) || seats < 1) throw new UsageError(`--seats ${given}: seats are a whole number of at least 1.`, 'InvalidSeats')
  if (seats > MAX_SEATS) throw new UsageError(`--seats ${given}: a product has at most ${MAX_SEATS.toLocaleString('en-US')} seats.`, 'InvalidSeats')
  return seats
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

/** The changes of a product's state the lifecycle commands make, each from the states it may follow (the state machine above). */
export const productChanges = {
  activate: {from: ['pending', 'deactivated'], to: 'active', event: 'Product Activated', done: 'activated'},
  suspend: {from: ['active'], to: 'suspended', event: 'Product Suspended', done: 'suspended'},
  unsuspend: {from: ['suspended'], to: 'active', event: 'Product Unsuspended', done: 'unsuspended'},
  deactivate: {from: ['active', 'suspended'], to: 'deactivated', event: 'Product Deactivated', done: 'deactivated'},
} as const satisfies Record<string, {from: readonly ProductStateName[]; to: ProductStateName; event: string; done: string}>
export type ProductChange = keyof typeof productChanges

/** The change is allowed from the product's current state: otherwise refused naming that state and what would do. */
export function assertProductChange(tenantId: string, product: string, from: ProductStateName, change: ProductChange): void {
  if ((productChanges[change].from as readonly ProductStateName[]).includes(from)) return
  const possible = (Object.keys(productChanges) as ProductChange[]).filter((c) => (productChanges[c].from as readonly ProductStateName[]).includes(from))
  throw new UsageError(
    `${product} of tenant ${tenantId} is ${from}, so it cannot be ${productChanges[change].done}${possible.length > 0 ? `; from ${from} it can be ${possible.map((c) => productChanges[c].done).join(' or ')}` : ''}.`,
    'InvalidTransition',
  )
}
