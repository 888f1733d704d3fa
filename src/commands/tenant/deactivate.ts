import {Args} from '@oclif/core'

import {productChangeFlags, productChangeRun} from '../../lib/cli/product-change.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'

export default class TenantDeactivate extends WorkflowCommand<typeof TenantDeactivate> {
  static override summary =
    "Deactivate a tenant's product (active or suspended): it stops, its data, shard seat and data key are kept, and a Product Deactivated event goes out."
  static override description =
    `A deactivated product can be activated again ("opsctl tenant activate"), on the same shard with the same data key. The tenant context changes conditional on its version, with a Product Deactivated event in the outbox, then delivered to --event-bus. A product that is pending or deactivated already is refused before any change (exit 2), naming its state. To remove a whole tenant: "opsctl tenant destroy". --json: the run record.`
  static override examples = ['<%= config.bin %> <%= command.id %> acme --product confluence']
  static override args = {tenant: Args.string({description: 'The tenant id', required: true})}
  static override flags = {...productChangeFlags}

  async run(): Promise<RunRecord> {
    return this.runWorkflow(productChangeRun('deactivate', this.args.tenant, this.flags))
  }
}
