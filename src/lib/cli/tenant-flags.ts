import {Flags} from '@oclif/core'

import {assertKnownRegion} from '../aws/regions.js'
import type {AwsSession} from '../aws/session.js'
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
