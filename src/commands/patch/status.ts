import {Flags} from '@oclif/core'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {fleetFlags, fleetRequest} from '../../lib/cli/fleet-flags.js'
import {DEFAULT_PACKAGE, parsePackage} from '../../lib/patch/scan.js'
import {type InstancePatchStatus, type PatchStatusReport, patchStatus} from '../../lib/patch/status.js'
import {outputWidth, table} from '../../lib/report/format.js'

export default class PatchStatus extends BaseCommand<typeof PatchStatus> {
  static override summary = 'Show, per instance, its last patch run, installed version, SSM Compliance status and Patch Manager state.'
  static override description =
    `The targets (--targets tag:Key=Value or --instances) resolve to the running, SSM-managed instances of --regions (default: the session region). For each one: its last "opsctl patch run" from the journals in $OPSCTL_HOME/runs (dry runs aside: the run, its result patched, rolled-back, failed, not-needed or skipped, the versions before and after, the rollback snapshot); the installed version of --package from SSM Inventory (AWS:Application) when the instance reports it; its SSM Compliance item of type Custom:opsctl-<package> (written by "opsctl patch scan" and the runbook); and, where Patch Manager patches it, DescribeInstancePatchStates: patches missing, failed, and installed but pending a reboot. Nothing is changed.

It fits the terminal (100 columns when not on a terminal); --json has every value whole (schemas/patch-status.json).

Exit codes: 0 shown; 2 bad input, nothing read: targets that match no instance, an instance SSM does not manage, a --package that does not parse, an unknown region.`
  static override examples = [
    {description: 'Every PostgreSQL server of the region', command: '<%= config.bin %> <%= command.id %> --targets tag:Role=postgres'},
    {description: 'Two instances, as JSON', command: '<%= config.bin %> <%= command.id %> --instances i-0123456789abcdef0,i-0fedcba9876543210 --json'},
    {description: 'Across two regions', command: '<%= config.bin %> <%= command.id %> --targets tag:Role=postgres --regions us-east-1,eu-west-1'},
  ]
  static override flags = {
    ...fleetFlags,
    package: Flags.string({description: 'The package whose version and compliance are shown.', default: DEFAULT_PACKAGE}),
  }

  async run(): Promise<PatchStatusReport> {
    const {flags} = this
    const {spec, regions} = fleetRequest(flags)
    const request = {spec, regions, package: parsePackage(flags.package)}
    const report = await patchStatus(await this.openAwsSession(), request)
    this.say(renderStatus(report.instances))
    return report
  }
}

const lastRun = (s: InstancePatchStatus) =>
  s.lastRun ? `${s.lastRun.result}${s.lastRun.toVersion ? ` → ${s.lastRun.toVersion}` : ''} (${s.lastRun.runId})` : 'never'

const patchManager = (s: InstancePatchStatus) =>
  s.patchManager ? `missing ${s.patchManager.missing}, failed ${s.patchManager.failed}, pending reboot ${s.patchManager.installedPendingReboot}` : '-'

function renderStatus(instances: InstancePatchStatus[]): string {
  return table(
    ['INSTANCE', 'NAME', 'REGION', 'VERSION', 'COMPLIANCE', 'LAST PATCH RUN', 'PATCH MANAGER'],
    instances.map((s) => [
      s.instanceId,
      s.name,
      s.region,
      s.installedVersion ?? '?',
      s.compliance ? `${s.compliance.status}${s.compliance.severity && s.compliance.status !== 'COMPLIANT' ? ` ${s.compliance.severity}` : ''}` : '-',
      lastRun(s),
      patchManager(s),
    ]),
    {width: outputWidth(), columns: {NAME: 8, 'LAST PATCH RUN': 12, 'PATCH MANAGER': 12}},
  )
}
