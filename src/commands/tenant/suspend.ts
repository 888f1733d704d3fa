import {Args} from '@oclif/core'

import {productChangeFlags, productChangeRun} from '../../lib/cli/product-change.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'

export default class TenantSuspend extends WorkflowCommand<typeof TenantSuspend> {
  static override summary = "Suspend a tenant's product: access is disabled, all its data is kept, and a Product Suspended event goes out."
  static override description =
    `Only an active product can be suspended ("opsctl tenant unsuspend" gives access back). The tenant context records the product as suspended, conditional on its version, with a Product Suspended event in the outbox, which is then delivered to --event-bus. Nothing of the product's data, shard seat, data key or configuration changes. A product in another state is refused before any change (exit 2), naming its state. --json: the run record, its outcome the product's state before and after and the context version.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> acme --product jira',
    {description: 'See what it would do', command: '<%= config.bin %> <%= command.id %> acme --product confluence --dry-run'},
  ]
  static override args = {tenant: Args.string({description: 'The tenant id', required: true})}
  static override flags = {...productChangeFlags}

  async run(): Promise<RunRecord> {
    return this.runWorkflow(productChangeRun('suspend', this.args.tenant, this.flags))
  }
}
