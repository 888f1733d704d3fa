import {Args, Flags} from '@oclif/core'

import {openTenantsContext, tenantStoreFlags} from '../../lib/cli/tenant-flags.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {assertTenantId} from '../../lib/tenants/context.js'
import {findPurgeableStep, type Purgeable, type PurgeRequest, purgeWorkflow} from '../../lib/tenants/destroy.js'

export default class TenantPurge extends WorkflowCommand<typeof TenantPurge> {
  static override summary = 'Delete for good what destroyed tenants left past their grace period: data keys (crypto-shredding), configuration, identity, site.'
  static override description =
    `With tenant ids, only those, each refused (exit 2, nothing deleted) unless destroyed and past its grace period; without, every such tenant in the store. Asks first (--yes in CI). Per tenant, its configuration is deleted from Parameter Store in every region of its products, then in one write its wrapped data keys are deleted (crypto-shredding: what they encrypted can no longer be read), with its placements, identity data and site name (free again), and its context is marked purged. Its event log stays, for the audit; a purged tenant cannot be restored. --dry-run lists the tenants it would purge. --json: the run record.`
  static override examples = [
    {description: 'Every destroyed tenant past its grace period, listed first', command: '<%= config.bin %> <%= command.id %> --dry-run'},
    {description: 'One tenant, in CI', command: '<%= config.bin %> <%= command.id %> acme --yes'},
  ]
  static override strict = false
  static override args = {tenant: Args.string({description: 'Tenant ids to purge (default: every destroyed tenant past its grace period)'})}
  static override flags = {...tenantStoreFlags, yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation (for CI).'})}

  async run(): Promise<RunRecord> {
    const request: PurgeRequest = {tenantIds: [...new Set(this.argList.map(assertTenantId))]}
    const which = request.tenantIds.length > 0 ? `tenant(s) ${request.tenantIds.join(', ')}` : 'every destroyed tenant past its grace period'
    const record = await this.runWorkflow({
      workflow: purgeWorkflow,
      parameters: {...request},
      context: async (session) => ({...(await openTenantsContext(session, this.flags)), request}),
      confirm: {question: `Purge ${which}: delete their data keys, configuration and identity for good?`, yes: this.flags.yes},
      describe: (o, record) => [
        o.purged.length === 0
          ? 'No destroyed tenant is past its grace period: nothing was purged.'
          : `Purged ${o.purged.map((p) => `${p.tenantId} (${p.dataKeysDeleted} data key(s), ${p.parametersDeleted} parameter(s))`).join(', ')} (run ${record.runId}).`,
      ],
    })
    if (record.status === 'planned') this.say(describePlan(record.steps.find((s) => s.id === findPurgeableStep.id)?.outputs?.tenants as Purgeable[]))
    return record
  }
}

/** What a dry run found to purge. */
function describePlan(tenants: Purgeable[] = []): string {
  if (tenants.length === 0) return 'No destroyed tenant is past its grace period: a purge would delete nothing.'
  return `A purge would delete for good: ${tenants.map((t) => `${t.tenantId} (site ${t.site}, ${t.dataKeys} data key(s), grace period ended ${t.graceUntil})`).join('; ')}.`
}
