import {EventBridgeClient} from '@aws-sdk/client-eventbridge'
import {Args, Flags} from '@oclif/core'

import {openTenantStore, tenantStoreFlags} from '../../lib/cli/tenant-flags.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {UsageError} from '../../lib/errors/errors.js'
import {outputWidth} from '../../lib/report/format.js'
import {assertTenantId} from '../../lib/tenants/context.js'
import {assertEventBus, type EventDeliveryContext, eventDeliveryWorkflow} from '../../lib/tenants/delivery.js'
import {renderEventLog} from '../../lib/tenants/render.js'
import {type EventLog, eventLog, requireTenant} from '../../lib/tenants/views.js'

export default class TenantEvents extends WorkflowCommand<typeof TenantEvents> {
  static override summary = "Show a tenant's event log with the delivery of each event; --deliver sends what waits in the outbox to EventBridge."
  static override description =
    `Every event of the tenant, oldest first: when it was raised, its type and detail (product, seats, licence), and its delivery: when EventBridge took it and the id it gave it, or "in the outbox". --deliver sends the events in the outbox to --event-bus (source opsctl.tenants), each entry confirmed and recorded as delivered, as a workflow (journal, --dry-run, --resume, --junit, --summary): an event recorded as delivered is never sent again, so --deliver twice sends nothing the second time. --json: schemas/tenant-events.json (with --deliver, "run" is the run record).`
  static override examples = [
    '<%= config.bin %> <%= command.id %> acme',
    {description: 'Send what a failed or interrupted run left in the outbox', command: '<%= config.bin %> <%= command.id %> acme --deliver'},
    {description: 'To another bus, with a JUnit report', command: '<%= config.bin %> <%= command.id %> acme --deliver --event-bus tenants --junit deliver.xml'},
  ]
  static override args = {tenant: Args.string({description: 'The tenant id', required: true})}
  static override flags = {
    ...tenantStoreFlags,
    deliver: Flags.boolean({description: 'Send the events waiting in the outbox to EventBridge (a workflow with a journal).'}),
    'event-bus': Flags.string({description: 'With --deliver: the EventBridge bus the events go to [default: default].'}),
  }

  async run(): Promise<EventLog & {run?: RunRecord}> {
    const tenantId = assertTenantId(this.args.tenant)
    if (!this.flags.deliver) {
      this.refuseRunFlags()
      return this.shown(await eventLog(await openTenantStore(await this.openAwsSession(), this.flags), tenantId))
    }
    const eventBus = this.flags['event-bus'] ?? 'default'
    let delivery: EventDeliveryContext | undefined
    const run = await this.runWorkflow({
      workflow: eventDeliveryWorkflow,
      parameters: {tenantId, eventBus},
      context: async (session) => {
        const store = await openTenantStore(session, this.flags)
        // Before the run starts: a missing table or an unknown tenant is refused with nothing journalled.
        await requireTenant(store, tenantId)
        delivery = {store, eventbridge: session.inRegion(store.location.region).client(EventBridgeClient), tenantId, eventBus}
        await assertEventBus(delivery.eventbridge, eventBus)
        return delivery
      },
      describe: (o) => [
        o.delivered === 0
          ? `The outbox of tenant ${o.tenantId} was empty: nothing was sent to ${o.eventBus}.`
          : `${o.delivered} event(s) of tenant ${o.tenantId} delivered to ${o.eventBus} (${o.alreadyDelivered} delivered before).`,
      ],
    })
    return {...this.shown(await eventLog(delivery!.store, tenantId)), run}
  }

  private shown(log: EventLog): EventLog {
    this.say(renderEventLog(log, outputWidth()))
    return log
  }

  /** The run flags and the bus mean something only for a delivery. */
  private refuseRunFlags(): void {
    const given = (['event-bus', 'resume', 'dry-run', 'junit', 'summary'] as const).find((name) => this.flags[name])
    if (given) throw new UsageError(`--${given} applies to a delivery run; add --deliver to send the outbox.`, 'DeliverOnly')
  }
}
