import {Args, Flags} from '@oclif/core'

import {eventBusFlag, openTenantsContext, tenantStoreFlags} from '../../lib/cli/tenant-flags.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {UsageError} from '../../lib/errors/errors.js'
import {assertTenantId} from '../../lib/tenants/context.js'
import {type DestroyRequest, destroyWorkflow} from '../../lib/tenants/destroy.js'

export default class TenantDestroy extends WorkflowCommand<typeof TenantDestroy> {
  static override summary =
    'Destroy a tenant, reversibly: its products deactivated and shard seats given back, its data keys and configuration kept for a grace period.'
  static override description =
    `Asks first: on a terminal, type the tenant id to confirm; in CI pass --yes (without a terminal and without --yes it refuses, exit 2, nothing changed). Then, in one conditional write, the tenant context is marked destroyed (each product's state kept), its live products get Product Deactivated events and the tenant a Tenant Destroyed event, and its shard seats are given back; the events are delivered to --event-bus. Its wrapped data keys, Parameter Store configuration, identity data and site name are kept until the grace period ends (--grace-days, default 30): until then "opsctl tenant restore" brings the tenant back as it was; after it, "opsctl tenant purge" deletes them (crypto-shredding). --json: the run record.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> acme',
    {description: 'In CI, with a week of grace', command: '<%= config.bin %> <%= command.id %> acme --yes --grace-days 7'},
    {description: 'See what it would do', command: '<%= config.bin %> <%= command.id %> acme --dry-run'},
  ]
  static override args = {tenant: Args.string({description: 'The tenant id', required: true})}
  static override flags = {
    ...tenantStoreFlags,
    'grace-days': Flags.integer({description: 'Days during which the tenant can be restored (0–365); then it can be purged.', default: 30}),
    yes: Flags.boolean({char: 'y', description: 'Do not ask to type the tenant id (for CI).'}),
    'event-bus': eventBusFlag,
  }

  async run(): Promise<RunRecord> {
    const {flags} = this
    const graceDays = flags['grace-days']
    if (graceDays < 0 || graceDays > 365)
      throw new UsageError(`--grace-days ${graceDays} is outside 0–365; give the days during which the tenant can be restored.`, 'InvalidGraceDays')
    const request: DestroyRequest = {tenantId: assertTenantId(this.args.tenant), graceDays, eventBus: flags['event-bus']}
    return this.runWorkflow({
      workflow: destroyWorkflow,
      parameters: {...request},
      context: async (session) => ({...(await openTenantsContext(session, flags)), request}),
      confirm: {
        question: `Destroy tenant ${request.tenantId} (its products stop now; it can be restored for ${graceDays} day(s))?`,
        typed: request.tenantId,
        yes: flags.yes,
      },
      describe: (o, record) => [
        `Tenant ${o.tenantId} is destroyed: ${o.seatsReleased} shard seat(s) given back, ${o.eventsDelivered} event(s) delivered to ${request.eventBus} (run ${record.runId}). Its data keys and configuration are kept until ${o.graceUntil}: "opsctl tenant restore ${o.tenantId}" brings it back until then.`,
      ],
    })
  }
}
