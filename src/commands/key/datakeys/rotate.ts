import {Flags} from '@oclif/core'

import {dataKeyLimitFlags, usageLimitsOf} from '../../../lib/cli/datakey-flags.js'
import {openTenantStore, tenantStoreFlags} from '../../../lib/cli/tenant-flags.js'
import {WorkflowCommand} from '../../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../../lib/engine/types.js'
import {type DataKeyRotateRequest, type DueKey, dataKeyRotateWorkflow, findDueKeysStep} from '../../../lib/keys/datakeys-rotate.js'
import {assertTenantId} from '../../../lib/tenants/context.js'
import {formatAge} from '../../../lib/tenants/data-keys.js'

export default class KeyDatakeysRotate extends WorkflowCommand<typeof KeyDatakeysRotate> {
  static override summary = 'Rotate the data keys past their usage limits: a new key current, the old one kept decrypt-only.'
  static override description =
    `Finds every current data key of --tenant (a query of its partition) or of --all tenants (a scan of the table, page by page) that is past --max-operations or --max-age, whichever comes first. For each, KMS makes a new data key under the same KMS key and encryption context (GenerateDataKeyWithoutPlaintext: wrapped only, no plaintext ever exists); the old key is first kept as a decrypt-only copy (25 a BatchWriteItem call), so that what it encrypted still decrypts, then the new key becomes current by a conditional write (PutItem, on the condition that the key there is still the version read). A key another rotation got to first is skipped, never rotated twice, and never leaves two current keys. Killed and resumed (--resume), the run re-reads the keys it had still to do: those it rotated already are not rotated again. --dry-run lists the keys it would rotate and why. --json: the run record (schemas/key-datakeys-rotate.json).`
  static override examples = [
    {description: 'Every tenant, against the default policy (5 million operations or 24 hours)', command: '<%= config.bin %> <%= command.id %> --all'},
    {
      description: 'What would rotate for one tenant under a stricter policy',
      command: '<%= config.bin %> <%= command.id %> --tenant acme --max-age 12h --dry-run',
    },
  ]
  static override flags = {
    ...tenantStoreFlags,
    tenant: Flags.string({description: "Rotate this tenant's due keys.", exactlyOne: ['tenant', 'all']}),
    all: Flags.boolean({description: "Rotate every tenant's due keys (a scan of the table).", exactlyOne: ['tenant', 'all']}),
    ...dataKeyLimitFlags,
  }

  async run(): Promise<RunRecord> {
    const {flags} = this
    const request: DataKeyRotateRequest = {tenantId: flags.tenant === undefined ? undefined : assertTenantId(flags.tenant), limits: usageLimitsOf(flags)}
    const record = await this.runWorkflow({
      workflow: dataKeyRotateWorkflow,
      parameters: {tenantId: request.tenantId, all: flags.all, maxOperations: request.limits.maxOperations, maxAge: formatAge(request.limits.maxAgeMs)},
      context: async (session) => ({session, store: await openTenantStore(session, flags), request}),
      describe: (o, record) => [
        o.due === 0
          ? 'No current data key is past its limits: nothing was rotated.'
          : `Rotated ${o.rotated} data key(s)${o.skipped > 0 ? `; ${o.skipped} skipped (rotated meanwhile by another run)` : ''}; the old keys are kept decrypt-only (run ${record.runId}).`,
      ],
    })
    if (record.status === 'planned') this.say(describePlan(record.steps.find((s) => s.id === findDueKeysStep.id)?.outputs?.due as DueKey[]))
    return record
  }
}

/** What a dry run found to rotate, and why. */
function describePlan(due: DueKey[] = []): string {
  if (due.length === 0) return 'No current data key is past its limits: a rotation would rotate nothing.'
  return [`A rotation would rotate ${due.length} data key(s):`, ...due.map((k) => `  ${k.tenantId} ${k.product} (version ${k.keyVersion}): ${k.why}`)].join(
    '\n',
  )
}
