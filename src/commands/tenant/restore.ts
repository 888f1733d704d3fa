import {Args} from '@oclif/core'

import {eventBusFlag, openTenantsContext, tenantStoreFlags} from '../../lib/cli/tenant-flags.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {assertTenantId} from '../../lib/tenants/context.js'
import {restoreWorkflow, type TenantRequest} from '../../lib/tenants/destroy.js'

export default class TenantRestore extends WorkflowCommand<typeof TenantRestore> {
  static override summary = 'Bring back a destroyed tenant within its grace period, as it was: its products in their states, on the same shards.'
  static override description =
    `Checked first, before any change (exit 2 otherwise): the tenant is destroyed, not purged, within its grace period, and each shard it was on still exists and has room for it again. Then in one conditional write its context is active again with each product in the state it had, its shard seats are taken back, and its products' events (Product Activated, or Product Suspended for a product that was suspended) go to the outbox and are delivered to --event-bus. Its data keys and configuration were kept, so nothing else changes. --json: the run record.`
  static override examples = ['<%= config.bin %> <%= command.id %> acme']
  static override args = {tenant: Args.string({description: 'The tenant id', required: true})}
  static override flags = {...tenantStoreFlags, 'event-bus': eventBusFlag}

  async run(): Promise<RunRecord> {
    const request: TenantRequest = {tenantId: assertTenantId(this.args.tenant), eventBus: this.flags['event-bus']}
    return this.runWorkflow({
      workflow: restoreWorkflow,
      parameters: {...request},
      context: async (session) => ({...(await openTenantsContext(session, this.flags)), request}),
      describe: (o, record) => [
        `Tenant ${o.tenantId} is back: ${Object.entries(o.products)
          .map(([product, state]) => `${product} ${state}`)
          .join(', ')} (context version ${o.version}); ${o.eventsDelivered} event(s) delivered to ${request.eventBus} (run ${record.runId}).`,
      ],
    })
  }
}
