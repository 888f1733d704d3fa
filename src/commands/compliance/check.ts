import {appendFile, writeFile} from 'node:fs/promises'
import {stripVTControlCharacters} from 'node:util'

import {Flags} from '@oclif/core'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {FindingsError, OpsctlError, UsageError} from '../../lib/errors/errors.js'
import {ExitCode} from '../../lib/errors/exit-codes.js'
import {reportFileFlag} from '../../lib/cli/flags.js'
import {maskSecrets} from '../../lib/secrets/secrets.js'
import {checks} from '../../lib/compliance/checks/index.js'
import type {InventoryProgress} from '../../lib/compliance/inventory/index.js'
import {loadMutelist} from '../../lib/compliance/mutelist.js'
import {assertFormat, outputFormats, renderers, renderMarkdown} from '../../lib/compliance/output/index.js'
import {withScanProgress} from '../../lib/compliance/output/progress.js'
import {renderTable, terminalView} from '../../lib/compliance/output/table.js'
import {verdictLine} from '../../lib/compliance/output/verdict.js'
import {assertRegions, assertSeverity, commaList, enabledRegions, lookupAccountId, runComplianceScan, selectChecks} from '../../lib/compliance/scan.js'
import {type ComplianceResult, severities} from '../../lib/compliance/types.js'

export default class ComplianceCheck extends BaseCommand<typeof ComplianceCheck> {
  static override summary = 'Check posture across RDS, KMS, CloudTrail, Config, SSM, EBS and S3, with CI-grade reports.'
  static override description = `Each service is read once per region and shared by every check; each resource gets PASS, FAIL, MUTED or ERROR with a one-sentence reason. An unreachable or disabled region becomes an ERROR finding instead of a hang.

Exit codes: 0 every inventory was read and nothing failed at or above --fail-on; 3 an unmuted FAIL at or above --fail-on; 1 the scan is incomplete: an inventory could not be read (after retrying throttling and other transient errors for up to 2 minutes), whatever else failed; 2 bad input (nothing was scanned).

On a terminal, a line per region shows which inventories are being read (on stderr; never with --json, in CI or in a pipe). The table then shows, per check, its severity and counts and its first ${terminalView.findingsPerCheck} findings that are not a pass, long reasons cut to fit ${terminalView.width} columns; --all-findings lists every one. Reports written with --output, and --json, always hold every finding in full.

The mutelist is YAML: a "mutelist:" list of entries with a required reason and any of check, resource, account, region (a value, a list, * and ? wildcards) and tags (key: value). A matching entry turns FAIL into MUTED and its reason is shown.`
  static override examples = [
    {description: 'Every check in the default region', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'RDS and KMS only, in two regions, failing only on high and critical', command: '<%= config.bin %> <%= command.id %> --services rds,kms --regions us-east-1,eu-west-1 --fail-on high'},
    {description: 'In CI: SARIF for code scanning, a JUnit report, and accepted risks muted', command: '<%= config.bin %> <%= command.id %> --all-regions --mutelist mutelist.yaml --format sarif --output compliance.sarif'},
    {description: `Every failing resource in the terminal table, not only the first ${terminalView.findingsPerCheck} of each check`, command: '<%= config.bin %> <%= command.id %> --services ebs,s3 --all-findings'},
    {description: 'Two checks as JSON', command: '<%= config.bin %> <%= command.id %> --checks rds-storage-encrypted,s3-kms --json'},
  ]
  static override flags = {
    checks: Flags.string({description: 'Comma-separated check ids (see "opsctl compliance list"); default all.'}),
    services: Flags.string({description: `Comma-separated services: rds, kms, cloudtrail, config, ssm, ebs, s3; default all.`}),
    severity: Flags.string({description: `Comma-separated severities of the checks to run: ${severities.join(', ')}; default all.`}),
    'fail-on': Flags.string({description: `Exit 3 when an unmuted FAIL at or above this severity exists: ${severities.join(', ')}.`, default: 'informational'}),
    mutelist: Flags.string({description: 'YAML file of accepted findings, each with a reason.'}),
    format: Flags.string({description: `Report format: ${outputFormats.join(', ')} (default table).`}),
    output: reportFileFlag({description: 'Write the report to this file instead of stdout (the table is still shown).'}),
    regions: Flags.string({description: 'Comma-separated regions to check (default: the session region).', exclusive: ['all-regions']}),
    'all-regions': Flags.boolean({description: 'Check every region enabled for the account.', exclusive: ['regions']}),
    'all-findings': Flags.boolean({description: `List every finding in the terminal table, not only the first ${terminalView.findingsPerCheck} of each check (--output files and --json always hold all).`}),
    'min-retention': Flags.integer({description: 'Minimum RDS backup retention in days for rds-backup-retention.', default: 30, min: 1, max: 35}),
  }

  async run(): Promise<ComplianceResult> {
    const {flags} = this
    const chosen = selectChecks({checkIds: commaList(flags.checks), services: commaList(flags.services), severities: commaList(flags.severity)})
    const failOn = assertSeverity(flags['fail-on'])
    const format = assertFormat(flags.format ?? 'table')
    const regionList = commaList(flags.regions)
    if (regionList) assertRegions(regionList)
    if (this.jsonEnabled() && flags.format && !flags.output) {
      throw new UsageError(`--json prints the JSON result on stdout, so --format ${flags.format} needs --output <file>.`, 'FormatNeedsOutput')
    }
    const mutelist = flags.mutelist ? await loadMutelist(flags.mutelist, checks.map((c) => c.id)) : undefined

    const session = await this.openAwsSession()
    const regions = flags['all-regions'] ? await enabledRegions(session) : regionList ?? [session.region]
    const accountId = await lookupAccountId(session)
    if (!accountId) this.warn('Could not read the account id with sts:GetCallerIdentity; mutelist entries by account will not match.')
    const scan = (onProgress?: (progress: InventoryProgress) => void) => runComplianceScan(session, {
      checks: chosen, regions, accountId, failOn, mutelist, minRetentionDays: flags['min-retention'], onProgress,
    })
    // A person at a terminal sees the scan's progress on stderr; --json, CI and pipes get none.
    const onTerminal = !this.jsonEnabled() && process.stdout.isTTY && process.stderr.isTTY && !process.env.CI
    const result = onTerminal ? await withScanProgress(regions, process.stderr, scan) : await scan()

    const table = renderTable(result, flags['all-findings'] ? {width: terminalView.width} : terminalView)
    if (flags.output) {
      await writeFile(flags.output, maskSecrets(stripVTControlCharacters(renderers[format](result))))
      this.say(table)
      this.say(`Wrote the ${format} report to ${flags.output}.`)
    } else {
      this.say(format === 'table' ? table : renderers[format](result).trimEnd())
    }
    const summary = process.env.GITHUB_STEP_SUMMARY
    if (summary) await appendFile(summary, maskSecrets(renderMarkdown(result)) + '\n').catch((error: Error) => this.warn(`Could not write the GitHub step summary to ${summary} (${error.message}).`))

    if (result.verdict === 'failed') throw new FindingsError(verdictLine(result), result)
    if (result.verdict === 'incomplete') {
      const error = new OpsctlError(verdictLine(result), ExitCode.WorkflowFailed, 'ScanIncomplete')
      error.result = result
      throw error
    }
    return result
  }
}
