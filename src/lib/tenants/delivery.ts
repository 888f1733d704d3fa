import type {EventBridgeClient} from '@aws-sdk/client-eventbridge'

import {eventBusExists} from '../aws/eventbridge.js'
import type {AwsSession} from '../aws/session.js'
import type {Step, Workflow} from '../engine/types.js'
import {TENANT_DELIVER_EVENTS_WORKFLOW} from '../engine/workflow-names.js'
import {OpsctlError, UsageError} from '../errors/errors.js'
import {ExitCode} from '../errors/exit-codes.js'
import {type Delivery, deliverEvents} from './events.js'
import type {TenantStore} from './store.js'

/** Whose events are delivered, and to which EventBridge bus. */
export interface EventTarget {
  tenantId: string
  eventBus: string
}

interface EventSending {
  store: TenantStore
  eventbridge: EventBridgeClient
}

/** What every workflow that changes tenants works with: the session (every region), the tenant store, and EventBridge for its events. */
export interface TenantsContext extends EventSending {
  session: AwsSession
}

export interface EventDeliveryContext extends EventSending, EventTarget {}

export interface EventDeliveryOutcome extends Delivery, EventTarget {}

/**
 * The step that sends a tenant's outbox to EventBridge: each entry confirmed and recorded as delivered, never sent
 * twice, so running it again (or resuming it) sends only what is still in the outbox. Any workflow whose context
 * can send events takes it, saying whose events go to which bus. It keeps the steps before it: a delivery that fails
 * or is interrupted leaves the tenant as those steps made it, its events in the outbox for --resume.
 */
export function deliverEventsStep<C extends EventSending>(target: (ctx: C) => EventTarget): Step<C, EventDeliveryOutcome> {
  return {
    id: 'deliver-events',
    title: "Deliver the tenant's events from the outbox to EventBridge",
    actions: ['events:PutEvents', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    mutates: true,
    keepsEarlierSteps: true,
    async run(ctx, io) {
      const {tenantId, eventBus} = target(ctx)
      try {
        return {...(await deliverEvents(ctx.store, ctx.eventbridge, eventBus, tenantId, io)), tenantId, eventBus}
      } catch (error) {
        if (io.signal.aborted || error instanceof OpsctlError) throw error
        const reason = String((error as Error).message ?? error).replace(/\.$/, '')
        throw new OpsctlError(
          `The events of tenant ${tenantId} could not be delivered to bus ${eventBus} (${reason}); they wait in the outbox for --resume or "opsctl tenant events ${tenantId} --deliver".`,
          ExitCode.WorkflowFailed,
          'EventsNotDelivered',
        )
      }
    },
  }
}

/**
 * The bus the events go to exists: checked with the read-only checks, so a misspelt --event-bus is refused before any
 * change (exit 2) rather than after it, with the events left in the outbox.
 */
export async function assertEventBus(eventbridge: EventBridgeClient, bus: string, signal?: AbortSignal): Promise<void> {
  if (await eventBusExists(eventbridge, bus, signal)) return
  const region = await eventbridge.config.region()
  throw new UsageError(
    `There is no EventBridge bus ${bus} in ${region}, where the tenant store is; create it ("aws events create-event-bus --name ${bus} --region ${region}") or pass another --event-bus.`,
    'NoEventBus',
  )
}

const deliverOutboxStep = deliverEventsStep<EventDeliveryContext>((ctx) => ctx)

/** `opsctl tenant events <tenant> --deliver`: what waits in the tenant's outbox, sent. */
export const eventDeliveryWorkflow: Workflow<EventDeliveryContext, EventDeliveryOutcome> = {
  name: TENANT_DELIVER_EVENTS_WORKFLOW,
  steps: [deliverOutboxStep],
  outcome: (outputOf) => outputOf(deliverOutboxStep)!,
}
