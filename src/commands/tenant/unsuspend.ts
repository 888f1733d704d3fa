import {Args} from '@oclif/core'

import {productChangeFlags, productChangeRun} from '../../lib/cli/product-change.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'

export default class TenantUnsuspend extends WorkflowCommand<typeof TenantUnsuspend> {
  static override summary = 'Give a suspended product of a tenant its access back; a Product Unsuspended event goes out.'
  static override description =
    `Only a suspended product can be unsuspended; it becomes active again, as it was. The tenant context changes conditional on its version, with a Product Unsuspended event in the outbox, then delivered to --event-bus. A product in another state is refused before any change (exit 2), naming its state. --json: the run record.`
  static override examples = ['<%= config.bin %> <%= command.id %> acme --product jira']
  static override args = {tenant: Args.string({description: 'The tenant id', required: true})}
  static override flags = {...productChangeFlags}

  async run(): Promise<RunRecord> {
    return this.runWorkflow(productChangeRun('unsuspend', this.args.tenant, this.flags))
  }
}
