import {Flags} from '@oclif/core'
import {productOf} from '../tenants/catalogue.js'
import type {ProductChange} from '../tenants/context.js'
import {assertTenantId} from '../tenants/context.js'
import {type ProductChangeContext, type ProductChangeOutcome, type ProductChangeRequest, productChangeWorkflow} from '../tenants/lifecycle.js'
import {eventBusFlag, openTenantsContext, tenantStoreFlags} from './tenant-flags.js'
import type {WorkflowRun} from './workflow-command.js'

/** The flags of every product change: which product, the tenant store, and the bus for the event. */
export const productChangeFlags = {
  ...tenantStoreFlags,
  product: Flags.string({description: 'The product whose state changes, e.g. jira.', required: true}),
  'event-bus': eventBusFlag,
}

type ProductChangeFlags = {product: string; 'event-bus': string; table: string; 'home-region'?: string}

/** The run of `opsctl tenant activate|suspend|unsuspend|deactivate`: the request checked before any call, then its workflow. */
export function productChangeRun(
  change: ProductChange,
  tenant: string,
  flags: ProductChangeFlags,
  newProduct: Pick<ProductChangeRequest, 'seats' | 'near'> = {},
): WorkflowRun<ProductChangeContext, ProductChangeOutcome> {
  const request: ProductChangeRequest = {
    tenantId: assertTenantId(tenant),
    product: productOf(flags.product).id,
    change,
    eventBus: flags['event-bus'],
    ...newProduct,
  }
  return {
    workflow: productChangeWorkflow(change),
    parameters: {...request},
    context: async (session) => ({...(await openTenantsContext(session, flags)), request}),
    describe: (o, record) => [
      `${o.product} of tenant ${o.tenantId}: ${o.from === 'none' ? `new, placed on ${o.shardId} in ${o.region}, ` : `${o.from} → `}${o.to} (context version ${o.version}); ${o.eventsDelivered} event(s) delivered to ${request.eventBus} (run ${record.runId}).`,
    ],
  }
}
