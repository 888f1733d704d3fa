import {Args, Flags} from '@oclif/core'

import {ON_DEMAND_ROTATION_LIMIT, ROTATION_PERIOD_DAYS} from '../../lib/aws/kms.js'
import {BaseCommand} from '../../lib/cli/base-command.js'
import {openTenantStore, tenantStoreFlags} from '../../lib/cli/tenant-flags.js'
import {FindingsError} from '../../lib/errors/errors.js'
import {findingsSentence, renderKeyStatus} from '../../lib/keys/render.js'
import {type KeyStatusReport, keyStatus} from '../../lib/keys/status.js'
import {outputWidth} from '../../lib/report/format.js'

export default class KeyStatus extends BaseCommand<typeof KeyStatus> {
  static override summary = 'Show KMS keys: rotation, on-demand rotations left, aliases, what uses each key, and where the rotation policy is not met.'
  static override description =
    `For the keys named (key id, key ARN, alias name or alias ARN), or with --all or no key every customer-managed key of the region: state, key spec and usage, automatic rotation (on or off, its period, the next rotation date), the last rotation and whether it was automatic or on demand, the on-demand rotations used against --on-demand-limit, the aliases, and what uses the key: RDS DB instances and Aurora clusters, CloudTrail trails and EBS volumes encrypted under it, and the tenants' data keys wrapped under it in the tenant store (none when there is no tenant store). Nothing is changed.

Verdicts per key: automatic rotation off; a rotation period above --max-rotation-days; the next rotation date past; the on-demand rotations used up. It fits the terminal (100 columns when not on a terminal); --json has every value whole (schemas/key-status.json).

Exit codes: 0 every key is as the policy asks; 3 a key has a verdict (findings, as in "opsctl compliance check"; --json still holds every key); 2 bad input, nothing read: an unknown key or alias, an AWS-managed key (AWS rotates those itself), --max-rotation-days outside 90 to 2560, or keys named together with --all.`
  static override examples = [
    {description: 'Every customer-managed key of the region', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Two keys, one by alias', command: '<%= config.bin %> <%= command.id %> alias/opsctl-shards 1234abcd-12ab-34cd-56ef-1234567890ab'},
    {description: 'A stricter policy: rotation at least every 180 days', command: '<%= config.bin %> <%= command.id %> --all --max-rotation-days 180'},
    {description: 'As JSON, for a dashboard', command: '<%= config.bin %> <%= command.id %> alias/opsctl-shards --json'},
  ]
  static override strict = false
  static override args = {key: Args.string({description: 'Key ids, key ARNs, alias names or alias ARNs (default: every customer-managed key).'})}
  static override flags = {
    all: Flags.boolean({description: 'Every customer-managed key of the region (the default when no key is named).'}),
    'max-rotation-days': Flags.integer({
      description: 'Longest automatic rotation period the policy allows, 90 to 2560 days.',
      default: ROTATION_PERIOD_DAYS.default,
    }),
    'on-demand-limit': Flags.integer({description: 'On-demand rotations a key may have (KMS allows 25 in its lifetime).', default: ON_DEMAND_ROTATION_LIMIT}),
    ...tenantStoreFlags,
  }

  async run(): Promise<KeyStatusReport> {
    const {flags} = this
    const request = {keys: this.argList, all: flags.all, maxRotationDays: flags['max-rotation-days'], onDemandLimit: flags['on-demand-limit']}
    const report = await keyStatus(request, {openSession: () => this.openAwsSession(), openTenantStore: (session) => openTenantStore(session, flags)})
    this.say(renderKeyStatus(report, outputWidth()))
    if (report.keys.some((k) => k.verdicts.length > 0)) throw new FindingsError(findingsSentence(report), report)
    return report
  }
}
