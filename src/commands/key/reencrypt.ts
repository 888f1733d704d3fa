import {Flags} from '@oclif/core'

import {openTenantStore, tenantStoreFlags} from '../../lib/cli/tenant-flags.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {UsageError} from '../../lib/errors/errors.js'
import {type ReencryptRequest, reencryptWorkflow} from '../../lib/keys/reencrypt.js'
import {assertTenantId} from '../../lib/tenants/context.js'

export default class KeyReencrypt extends WorkflowCommand<typeof KeyReencrypt> {
  static override summary =
    "Re-wrap tenants' data keys from one KMS key to another with ReEncrypt (the plaintext never leaves KMS), each checked and stored conditionally."
  static override description =
    `First, before any change (exit 2 otherwise): both keys exist; the destination (--to) is enabled, symmetric, in the source's region, and usable by this identity — a test encryption and decryption under it, so that a customer's own key in another account (bring your own key) whose key policy does not grant opsctl kms:Encrypt, kms:Decrypt and kms:ReEncrypt* is refused here; the data keys wrapped under --from are found in the tenant store (--tenant: only that tenant's). Then each is re-wrapped with ReEncrypt under the destination with the same encryption context, checked to decrypt there, and stored on the condition that it is still wrapped as read (its former wrapping is kept beside it). A data key already under the destination is skipped, so --resume (or running again) continues; one changed meanwhile (a rotation) is left as it is and counted. The source key is never disabled or scheduled for deletion by this command. --dry-run counts the data keys it would re-wrap. --json: schemas/key-reencrypt.json.`
  static override examples = [
    {
      description: 'Move every data key of a shard key to its successor',
      command: '<%= config.bin %> <%= command.id %> --from alias/shard-jira-eu-1 --to alias/shard-jira-eu-1-2027',
    },
    {
      description: "One tenant's data keys to the customer's own key in their account",
      command:
        '<%= config.bin %> <%= command.id %> --from alias/shard-jira-eu-1 --to arn:aws:kms:eu-central-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab --tenant acme',
    },
    {description: 'Count first', command: '<%= config.bin %> <%= command.id %> --from alias/old --to alias/new --dry-run'},
  ]
  static override flags = {
    ...tenantStoreFlags,
    from: Flags.string({description: 'The KMS key the data keys are wrapped under now (id, ARN, alias name or alias ARN).', required: true}),
    to: Flags.string({description: 'The KMS key to wrap them under (also a key ARN in another account).', required: true}),
    tenant: Flags.string({description: "Only this tenant's data keys."}),
  }

  async run(): Promise<RunRecord> {
    const {flags} = this
    const empty = (['from', 'to'] as const).find((flag) => flags[flag].trim() === '')
    if (empty) throw new UsageError(`--${empty} is empty; name a KMS key by its id, ARN, alias name or alias ARN.`, 'NoKey')
    const request: ReencryptRequest = {from: flags.from, to: flags.to, tenantId: flags.tenant === undefined ? undefined : assertTenantId(flags.tenant)}
    return this.runWorkflow({
      workflow: reencryptWorkflow,
      parameters: {...request},
      context: async (session) => ({session, store: await openTenantStore(session, flags), request}),
      describe: (o, record) => [
        `${o.reencrypted} data key(s) re-wrapped from ${o.fromArn} to ${o.toArn}${o.alreadyDone ? `, ${o.alreadyDone} already there` : ''}${o.changedMeanwhile ? `, ${o.changedMeanwhile} changed meanwhile and left as they were` : ''} (run ${record.runId}); ${o.fromArn} is unchanged.`,
      ],
    })
  }
}
