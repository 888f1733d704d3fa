import {Args, Flags} from '@oclif/core'
import {ON_DEMAND_ROTATION_LIMIT, ROTATION_PERIOD_DAYS} from '../../lib/aws/kms.js'
import {secondsFlag} from '../../lib/cli/flags.js'
import {openTenantStore, tenantStoreFlags} from '../../lib/cli/tenant-flags.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {type KeyRotateOutcome, keyRotateWorkflow} from '../../lib/keys/rotate.js'
import {keyRotateContext, resolveRotateOptions} from '../../lib/keys/rotate-context.js'

export default class KeyRotate extends WorkflowCommand<typeof KeyRotate> {
  static override summary = 'Rotate a customer managed KMS key on demand, and verify that everything encrypted before the rotation still decrypts.'
  static override description =
    `Read-only checks come first: the key exists (key id, key ARN, alias name or alias ARN), is customer managed, a symmetric encryption key, Enabled, not pending deletion, not in a custom key store and without imported key material, the primary of a multi-Region key, no rotation is under way, and fewer than --on-demand-limit on-demand rotations were made. A refusal exits 2 with nothing changed.

Then canaries are encrypted under the current key material (random plaintexts, bound to the run id by their encryption context; only their ciphertexts are kept), and the key material is recorded. After the confirmation (--yes answers it; without a terminal and without --yes the command refuses) KMS rotates the key on demand, and opsctl waits until the rotation has finished: none under way any more and a new on-demand rotation listed (--timeout: exit 1, the rotation may still finish).

Verification: every canary and every tenant's wrapped data key under the key (from the tenant store; none when there is no tenant table) is decrypted with its encryption context, and a new canary makes a round trip. Plaintexts are never shown, stored or reported. A ciphertext that no longer decrypts is a missed objective: exit 4, each one listed. With --enable-automatic, automatic rotation is then turned on with --period-days.

--json: the run record; its outcome carries the rotation date, the key material before and after, and the counts verified.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> alias/tenant-shards',
    {
      description: 'In CI, and turn on automatic rotation every 180 days',
      command: '<%= config.bin %> <%= command.id %> alias/tenant-shards --yes --enable-automatic --period-days 180 --json',
    },
    {description: 'Run the checks and encrypt the canaries only', command: '<%= config.bin %> <%= command.id %> alias/tenant-shards --dry-run'},
  ]
  static override args = {key: Args.string({description: 'The KMS key: key id, key ARN, alias name or alias ARN', required: true})}
  static override flags = {
    ...tenantStoreFlags,
    'enable-automatic': Flags.boolean({description: 'After the verified rotation, turn automatic rotation on (or set its period).'}),
    'period-days': Flags.integer({
      description: `With --enable-automatic: days between automatic rotations (${ROTATION_PERIOD_DAYS.min}–${ROTATION_PERIOD_DAYS.max}, default ${ROTATION_PERIOD_DAYS.default}).`,
    }),
    'on-demand-limit': Flags.integer({
      description: 'Refuse when the key has had this many on-demand rotations (the KMS quota).',
      default: ON_DEMAND_ROTATION_LIMIT,
    }),
    timeout: secondsFlag({description: 'Seconds to wait for the rotation to finish before the run fails (exit 1); at most a week.', default: 1800}),
    'poll-interval': secondsFlag({description: 'Seconds between rotation status checks.', default: 10, max: 3600}),
    yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation before the rotation (for CI).'}),
  }

  async run(): Promise<RunRecord> {
    const {flags} = this
    const options = resolveRotateOptions({
      key: this.args.key,
      enableAutomatic: flags['enable-automatic'],
      periodDays: flags['period-days'],
      onDemandLimit: flags['on-demand-limit'],
      timeoutSeconds: flags.timeout,
      pollIntervalSeconds: flags['poll-interval'],
    })
    return this.runWorkflow({
      workflow: keyRotateWorkflow(options),
      parameters: {...options},
      context: async (session) => keyRotateContext(session, options, await openTenantStore(session, flags)),
      confirm: {question: `Rotate the key material of KMS key ${options.key} now (it cannot be undone; old ciphertexts keep decrypting)?`, yes: flags.yes},
      describe: describeRotation,
    })
  }
}

function describeRotation(o: KeyRotateOutcome): string[] {
  const material = (m: KeyRotateOutcome['keyMaterialBefore']) => m.keyMaterialId ?? m.latestRotation?.keyMaterialId ?? '(not reported)'
  const v = o.verified
  return [
    `KMS key ${o.keyArn} rotated on ${o.rotationDate ?? '(date not reported)'}: key material ${material(o.keyMaterialBefore)} → ${material(o.keyMaterialAfter)} (${o.keyMaterialAfter.onDemandRotations} of ${o.onDemandLimit} on-demand rotations used).`,
    `Decrypted after the rotation: ${v.canaries} of ${v.canaries + v.canariesFailed} canaries, ${v.tenantDataKeys} of ${v.tenantDataKeys + v.tenantDataKeysFailed} tenant data keys; new canary round trip ${v.newCanaryRoundTrip ? 'ok' : 'failed'}.`,
    ...(o.automaticRotation
      ? [
          `Automatic rotation ${o.automaticRotation.enabled ? 'on' : 'NOT on'}, every ${o.automaticRotation.periodDays ?? o.automaticRotation.requestedPeriodDays} days${o.automaticRotation.nextRotationDate ? `, next on ${o.automaticRotation.nextRotationDate}` : ''}.`,
        ]
      : []),
    ...o.failures.map((f) => `  did not decrypt: ${f}`),
  ]
}
