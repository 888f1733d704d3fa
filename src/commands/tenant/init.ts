import {KMSClient} from '@aws-sdk/client-kms'
import {Flags} from '@oclif/core'

import {secondsFlag} from '../../lib/cli/flags.js'
import {homeRegionOf, openTenantStore, tenantStoreFlags} from '../../lib/cli/tenant-flags.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {tableInitWorkflow} from '../../lib/tenants/table.js'

export default class TenantInit extends WorkflowCommand<typeof TenantInit> {
  static override summary = "Create the tenant store: one DynamoDB table for every tenant's context, events and placements."
  static override description =
    `Creates the table (default opsctl-tenants, or --table / OPSCTL_TENANT_TABLE) in the home region (--home-region, default the session region) if it is not there: on-demand billing, deletion protection on, encrypted (with the customer managed key --kms-key when given), and an index of tenants by shard. It waits until the table is active and turns point-in-time recovery on. Running it again changes nothing but making sure of the protection. A table this run created is deleted again if the run fails.`
  static override examples = [
    {description: 'The tenant store in the session region', command: '<%= config.bin %> <%= command.id %>'},
    {
      description: 'In eu-central-1, encrypted with a customer managed key',
      command: '<%= config.bin %> <%= command.id %> --home-region eu-central-1 --kms-key alias/tenant-store',
    },
  ]
  static override flags = {
    ...tenantStoreFlags,
    'kms-key': Flags.string({description: 'Encrypt the table with this customer managed KMS key (key id, ARN, alias name or alias ARN).'}),
    timeout: secondsFlag({description: 'Seconds to wait for the table to be active.', default: 600}),
    'poll-interval': secondsFlag({description: 'Seconds between status checks.', default: 5, max: 3600}),
  }

  async run(): Promise<RunRecord> {
    const {flags} = this
    const homeRegion = homeRegionOf(flags)
    return this.runWorkflow({
      workflow: tableInitWorkflow({table: flags.table, region: homeRegion}),
      parameters: {table: flags.table, homeRegion, kmsKeyId: flags['kms-key']},
      context: async (session) => {
        const store = await openTenantStore(session, flags)
        return {
          store,
          kms: session.inRegion(store.location.region).client(KMSClient),
          kmsKeyId: flags['kms-key'],
          pollIntervalMs: flags['poll-interval'] * 1000,
          timeoutMs: flags.timeout * 1000,
        }
      },
      describe: (o) => [
        `The tenant store ${o.table} is ${o.created ? 'created' : 'there'} and active, encrypted with ${o.encryptedWith}, with point-in-time recovery and deletion protection on.`,
      ],
    })
  }
}
