import {Args, Flags} from '@oclif/core'

import {eventBusFlag, openTenantsContext, tenantStoreFlags} from '../../lib/cli/tenant-flags.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {productOf} from '../../lib/tenants/catalogue.js'
import {assertSeats, assertTenantId} from '../../lib/tenants/context.js'
import {type LicenceRequest, licenceWorkflow} from '../../lib/tenants/lifecycle.js'

export default class TenantLicense extends WorkflowCommand<typeof TenantLicense> {
  static override summary = "Update the licence of a tenant's product: its seats, and whether the licence is active; a License Updated event goes out."
  static override description =
    `The seats are stored in Parameter Store in the product's region (/opsctl/tenants/<id>/<product>/seats, where its services read them) and in the tenant context with the licence state, conditional on its version, with a License Updated event (seats and licence status) in the outbox, then delivered to --event-bus. --inactive records a licence that lapsed (the product's state does not change: suspend it with "opsctl tenant suspend" to cut access). A failed update writes the seats before back. --json: the run record.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> acme --product jira --seats 75',
    {description: 'The Confluence licence lapsed', command: '<%= config.bin %> <%= command.id %> acme --product confluence --seats 20 --inactive'},
  ]
  static override args = {tenant: Args.string({description: 'The tenant id', required: true})}
  static override flags = {
    ...tenantStoreFlags,
    product: Flags.string({description: 'The product whose licence changes, e.g. jira.', required: true}),
    seats: Flags.integer({description: 'The seats licensed (at least 1).', required: true}),
    inactive: Flags.boolean({description: 'The licence is inactive (lapsed, not renewed); without it the licence is active.'}),
    'event-bus': eventBusFlag,
  }

  async run(): Promise<RunRecord> {
    const {flags} = this
    const request: LicenceRequest = {
      tenantId: assertTenantId(this.args.tenant),
      product: productOf(flags.product).id,
      seats: assertSeats(flags.seats, String(flags.seats)),
      licence: flags.inactive ? 'inactive' : 'active',
      eventBus: flags['event-bus'],
    }
    return this.runWorkflow({
      workflow: licenceWorkflow,
      parameters: {...request},
      context: async (session) => ({...(await openTenantsContext(session, flags)), request}),
      describe: (o, record) => [
        `${o.product} of tenant ${o.tenantId}: ${o.before.seats} → ${o.seats} seat(s), licence ${o.licence} (context version ${o.version}); ${o.eventsDelivered} event(s) delivered to ${request.eventBus} (run ${record.runId}).`,
      ],
    })
  }
}
