import {Args, Flags} from '@oclif/core'

import {assertKnownRegion} from '../../lib/aws/regions.js'
import {productChangeFlags, productChangeRun} from '../../lib/cli/product-change.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {assertSeats} from '../../lib/tenants/context.js'

export default class TenantActivate extends WorkflowCommand<typeof TenantActivate> {
  static override summary = "Activate a tenant's product: a deactivated one again, or one the tenant does not have yet (placed on a shard, residency kept)."
  static override description =
    `A deactivated (or pending) product becomes active again, on its shard with its data key; a suspended one is unsuspended with "opsctl tenant unsuspend". A product the tenant does not have yet is added like a provision adds it: its region from the tenant's residency (a pinned tenant's product never leaves its location: refused before any change, exit 2), or for a tenant without residency the allowed region nearest to --near (default: the region of its other products); the least-filled shard there with room; an envelope data key wrapped under the shard's KMS key; its region and seats in Parameter Store. The context changes conditional on its version, with a Product Activated event, then delivered to --event-bus. --json: the run record.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> acme --product confluence',
    {
      description: 'Add Jira Service Management with 25 seats',
      command: '<%= config.bin %> <%= command.id %> acme --product jira-service-management --seats 25',
    },
  ]
  static override args = {tenant: Args.string({description: 'The tenant id', required: true})}
  static override flags = {
    ...productChangeFlags,
    seats: Flags.integer({description: 'A product new to the tenant: its seats (default 1).'}),
    near: Flags.string({description: 'A product new to a tenant without residency: place it in the allowed region nearest to this one.'}),
  }

  async run(): Promise<RunRecord> {
    const {seats, near} = this.flags
    return this.runWorkflow(
      productChangeRun('activate', this.args.tenant, this.flags, {
        seats: seats === undefined ? undefined : assertSeats(seats, String(seats)),
        near: near === undefined ? undefined : assertKnownRegion(near),
      }),
    )
  }
}
