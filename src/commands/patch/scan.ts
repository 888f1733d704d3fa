import {Flags} from '@oclif/core'

import {complianceSeverities} from '../../lib/aws/ssm-compliance.js'
import {fleetFlags, fleetRequest} from '../../lib/cli/fleet-flags.js'
import {openTenantStore, tenantStoreFlags} from '../../lib/cli/tenant-flags.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {assertScanVerdict, DEFAULT_PACKAGE, parsePackage, patchScanOutcomeOf, patchScanWorkflow} from '../../lib/patch/scan.js'
import {renderPatchScan} from '../../lib/patch/scan-render.js'
import {parseVersion} from '../../lib/patch/version.js'
import {outputWidth} from '../../lib/report/format.js'

export default class PatchScan extends WorkflowCommand<typeof PatchScan> {
  static override summary = 'Find the SSM-managed instances whose installed PostgreSQL (or --package) is below --min-version, and record it in SSM Compliance.'
  static override description =
    `The targets (--targets tag:Key=Value, every tag matching, or --instances) resolve to the running EC2 instances of --regions (default: the session region); each must be managed by SSM (its agent Online). For each one, the installed version of --package: from SSM Inventory (AWS:Application) where the instance reports it, otherwise from one read-only Run Command (AWS-RunShellScript trying rpm -q, dpkg-query -W, then psql --version) per region and 50 instances. Versions compare by number: 15.10 is above 15.9, 9.6.24 below 10.1.

Unless --no-compliance (and never with --dry-run) each verdict is written to SSM Compliance, type Custom:opsctl-<package>, item id the package, COMPLIANT or NON_COMPLIANT with --severity; an instance whose version is unknown is left as it was.

Per instance: id, Name tag, region, the shards it holds (tag opsctl:shards) and their tenants from the tenant store (none shown when there is no tenant table), version, verdict. --json: the run record, its outcome per schemas/patch-scan.json.

Exit codes: 0 every instance at or above --min-version; 3 one below (findings); 1 a version could not be read; 2 bad input, nothing read from or sent to any instance: targets that match nothing, an instance SSM does not manage, a --min-version or --package that does not parse, an unknown region.`
  static override examples = [
    {description: 'Every PostgreSQL server of the region', command: '<%= config.bin %> <%= command.id %> --targets tag:Role=postgres --min-version 15.8'},
    {
      description: 'Two regions, production only, without writing SSM Compliance',
      command:
        '<%= config.bin %> <%= command.id %> --targets tag:Role=postgres --targets tag:Env=prod --regions us-east-1,eu-west-1 --min-version 15.8 --no-compliance',
    },
    {
      description: 'Two instances, as JSON',
      command: '<%= config.bin %> <%= command.id %> --instances i-0123456789abcdef0,i-0fedcba9876543210 --min-version 15.8 --json',
    },
  ]
  static override flags = {
    ...fleetFlags,
    package: Flags.string({description: 'The package whose version is read (rpm or dpkg name, without its major version).', default: DEFAULT_PACKAGE}),
    'min-version': Flags.string({description: 'The lowest version that is compliant, e.g. 15.8.', required: true}),
    compliance: Flags.boolean({description: 'Write each verdict to SSM Compliance (--no-compliance: only show them).', default: true, allowNo: true}),
    severity: Flags.string({description: 'Severity of the SSM Compliance item.', options: [...complianceSeverities], default: 'HIGH'}),
    ...tenantStoreFlags,
  }

  async run(): Promise<RunRecord> {
    const {flags} = this
    const {spec, regions} = fleetRequest(flags)
    const options = {
      spec,
      regions,
      package: parsePackage(flags.package),
      minVersion: parseVersion(flags['min-version']),
      compliance: flags.compliance,
      severity: flags.severity as (typeof complianceSeverities)[number],
    }
    const record = await this.runWorkflow({
      workflow: patchScanWorkflow(options),
      parameters: {
        targets: flags.targets,
        instances: flags.instances,
        regions,
        package: options.package,
        minVersion: flags['min-version'],
        compliance: options.compliance,
        severity: options.severity,
      },
      context: async (session) => ({...options, session, store: await openTenantStore(session, flags)}),
    })
    const outcome = patchScanOutcomeOf(options, record)
    this.say(renderPatchScan(outcome, {width: outputWidth(), dryRun: record.dryRun}))
    assertScanVerdict(outcome, record)
    return record
  }
}
