import {Flags} from '@oclif/core'

import {assertKnownRegion} from '../aws/regions.js'
import type {AwsSession} from '../aws/session.js'
import type {TenantsContext} from '../tenants/delivery.js'
import {DEFAULT_TENANT_TABLE, TenantStore} from '../tenants/store.js'

/** Where the tenant store is: every tenant command takes them. */
export const tenantStoreFlags = {
  table: Flags.string({
    description: "The tenant store's DynamoDB table.",
    env: 'OPSCTL_TENANT_TABLE',
    default: DEFAULT_TENANT_TABLE,
    helpGroup: 'TENANT STORE',
  }),
  'home-region': Flags.string({
    description: "The region of the tenant store (default: the session region), whatever the regions of the tenants' products.",
    helpGroup: 'TENANT STORE',
  }),
}

/** The home region as given, checked before any call. */
export const homeRegionOf = (flags: {'home-region'?: string}) => (flags['home-region'] === undefined ? undefined : assertKnownRegion(flags['home-region']))

export function openTenantStore(session: AwsSession, flags: {table: string; 'home-region'?: string}): Promise<TenantStore> {
  return TenantStore.open(session, {table: flags.table, region: homeRegionOf(flags) ?? session.region})
}

/** The EventBridge bus a tenant change sends its events to. */
export const eventBusFlag = Flags.string({description: 'The EventBridge bus the tenant events go to.', default: 'default'})

/** What a workflow that changes tenants works with: the session, the tenant store, and EventBridge in the store's region. */
export async function openTenantsContext(session: AwsSession, flags: {table: string; 'home-region'?: string}): Promise<TenantsContext> {
  const store = await openTenantStore(session, flags)
  const {EventBridgeClient} = await import('@aws-sdk/client-eventbridge')
  return {session, store, eventbridge: session.inRegion(store.location.region).client(EventBridgeClient)}
}
