import {Flags} from '@oclif/core'

import {ROTATION_PERIOD_DAYS} from '../../lib/aws/kms.js'
import {BaseCommand} from '../../lib/cli/base-command.js'
import {maxAgeFlag, maxOperationsFlag} from '../../lib/cli/datakey-flags.js'
import {percentFlag, reportFileFlag} from '../../lib/cli/flags.js'
import {settleScan} from '../../lib/cli/settle-scan.js'
import {outputFormats, scanView, showsTable} from '../../lib/compliance/output/index.js'
import {terminalProgress} from '../../lib/compliance/output/progress.js'
import {terminalView} from '../../lib/compliance/output/table.js'
import {DEFAULT_CPU_THRESHOLD, scanAccount} from '../../lib/compliance/scan.js'
import {type ComplianceResult, services, severities} from '../../lib/compliance/types.js'
import {UsageError} from '../../lib/errors/errors.js'

export default class ComplianceCheck extends BaseCommand<typeof ComplianceCheck> {
  static override summary = 'Check posture across RDS, KMS, CloudTrail, Config, SSM, EBS and S3, with CI-grade reports.'
  static override description =
    `Each service is read once per region and shared by every check; each resource gets PASS, FAIL, MUTED or ERROR with a one-sentence reason. An unreachable or disabled region becomes an ERROR finding instead of a hang.

Exit codes: 0 every inventory was read and nothing failed at or above --fail-on; 3 an unmuted FAIL at or above --fail-on; 1 the scan is incomplete: an inventory could not be read (after retrying throttling and other transient errors for up to 2 minutes), whatever else failed; 2 bad input (nothing was scanned).

On a terminal, a line per region shows which inventories are being read (on stderr; never with --json, in CI or in a pipe). The table then shows, per check, its severity and counts and its first ${terminalView.findingsPerCheck} findings that are not a pass, long reasons cut to fit ${terminalView.width} columns; --all-findings lists every one. Reports written with --output, and --json, always hold every finding in full.

The mutelist is YAML: a "mutelist:" list of entries with a required reason and any of check, resource, account, region (a value, a list, * and ? wildcards) and tags (key: value). A matching entry turns FAIL into MUTED and its reason is shown.`
  static override examples = [
    {description: 'Every check in the default region', command: '<%= config.bin %> <%= command.id %>'},
    {
      description: 'RDS and KMS only, in two regions, failing only on high and critical',
      command: '<%= config.bin %> <%= command.id %> --services rds,kms --regions us-east-1,eu-west-1 --fail-on high',
    },
    {
      description: 'In CI: SARIF for code scanning, a JUnit report, and accepted risks muted',
      command: '<%= config.bin %> <%= command.id %> --all-regions --mutelist mutelist.yaml --format sarif --output compliance.sarif',
    },
    {
      description: `Every failing resource in the terminal table, not only the first ${terminalView.findingsPerCheck} of each check`,
      command: '<%= config.bin %> <%= command.id %> --services ebs,s3 --all-findings',
    },
    {
      description: 'Network isolation and database secrets only, with RDS CPU alarms required at 75 % or lower',
      command: '<%= config.bin %> <%= command.id %> --services ec2,secretsmanager,cloudwatch --cpu-threshold 75',
    },
    {description: 'Two checks as JSON', command: '<%= config.bin %> <%= command.id %> --checks rds-storage-encrypted,s3-kms --json'},
  ]
  static override flags = {
    checks: Flags.string({description: 'Comma-separated check ids (see "opsctl compliance list"); default all.'}),
    services: Flags.string({description: `Comma-separated services: ${services.join(', ')}; default all.`}),
    severity: Flags.string({description: `Comma-separated severities of the checks to run: ${severities.join(', ')}; default all.`}),
    'fail-on': Flags.option({description: 'Exit 3 when an unmuted FAIL at or above this severity exists.', options: severities, default: 'informational'})(),
    mutelist: Flags.string({description: 'YAML file of accepted findings, each with a reason.'}),
    format: Flags.option({description: 'Report format, shown or written to --output.', options: outputFormats, default: 'table'})(),
    output: reportFileFlag({description: 'Write the report to this file instead of stdout (the table is still shown).'}),
    regions: Flags.string({description: 'Comma-separated regions to check (default: the session region).', exclusive: ['all-regions']}),
    'all-regions': Flags.boolean({description: 'Check every region enabled for the account.', exclusive: ['regions']}),
    'all-findings': Flags.boolean({
      description: `List every finding in the terminal table, not only the first ${terminalView.findingsPerCheck} of each check (--output files and --json always hold all).`,
    }),
    'min-retention': Flags.integer({description: 'Minimum RDS backup retention in days for rds-backup-retention.', default: 30, min: 1, max: 35}),
    'max-rotation-days': Flags.integer({
      description: 'Longest automatic rotation period of a KMS key, in days, for kms-rotation-period.',
      default: ROTATION_PERIOD_DAYS.default,
      min: ROTATION_PERIOD_DAYS.min,
      max: ROTATION_PERIOD_DAYS.max,
    }),
    'datakey-max-operations': maxOperationsFlag(
      'A tenant data key past this many encrypt operations fails datakey-usage-limits (as "opsctl key datakeys rotate --max-operations").',
    ),
    'cpu-threshold': percentFlag({
      description: 'Highest CPUUtilization threshold, in percent, an RDS CPU alarm may have for cloudwatch-rds-cpu-alarm (1 to 100).',
      default: DEFAULT_CPU_THRESHOLD,
    }),
    'datakey-max-age': maxAgeFlag('A tenant data key older than this (30m, 24h, 7d) fails datakey-usage-limits (as "opsctl key datakeys rotate --max-age").'),
  }

  async run(): Promise<ComplianceResult> {
    const {flags} = this
    const report = {format: flags.format, output: flags.output}
    if (this.jsonEnabled() && report.format !== 'table' && !report.output) {
      throw new UsageError(`--json prints the JSON result on stdout, so --format ${report.format} needs --output <file>.`, 'FormatNeedsOutput')
    }
    const result = await scanAccount(
      {
        checks: flags.checks,
        services: flags.services,
        severity: flags.severity,
        regions: flags.regions,
        allRegions: flags['all-regions'],
        failOn: flags['fail-on'],
        mutelist: flags.mutelist,
        minRetentionDays: flags['min-retention'],
        maxRotationDays: flags['max-rotation-days'],
        dataKeyLimits: {maxOperations: flags['datakey-max-operations'], maxAgeMs: flags['datakey-max-age']},
        cpuThreshold: flags['cpu-threshold'],
      },
      {openSession: () => this.openAwsSession(), warn: (message) => this.warn(message), ...terminalProgress({json: this.jsonEnabled()})},
    )
    this.say(scanView(result, {...report, allFindings: flags['all-findings']}))
    const verdictShown = !this.jsonEnabled() && showsTable(report)
    return settleScan(result, {...report, verdictShown, say: (text) => this.say(text), warn: (message) => this.warn(message)})
  }
}
