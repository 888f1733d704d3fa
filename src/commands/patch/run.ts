import type {TargetLocation} from '@aws-sdk/client-ssm'
import {Flags} from '@oclif/core'

import {complianceSeverities} from '../../lib/aws/ssm-compliance.js'
import {secondsFlag, targetLocationsFlag} from '../../lib/cli/flags.js'
import {fleetFlags, fleetRequest} from '../../lib/cli/fleet-flags.js'
import {openTenantStore, tenantStoreFlags} from '../../lib/cli/tenant-flags.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {OpsctlError, UsageError} from '../../lib/errors/errors.js'
import {formatFleetShare, parseMaxErrors, parseWaveSize} from '../../lib/patch/plan.js'
import {PatchProcedure} from '../../lib/patch/procedure.js'
import {
  type PatchEngine,
  type PatchPlan,
  type PatchRunOptions,
  type PatchRunOutcome,
  patchRunResults,
  patchRunWorkflow,
  patchWavesStep,
  planWavesStep,
} from '../../lib/patch/run.js'
import {type FleetFacts, renderPatchPlan, renderPatchResults} from '../../lib/patch/run-render.js'
import {DEFAULT_PACKAGE, parsePackage, scannedInstances} from '../../lib/patch/scan.js'
import type {TargetSpec} from '../../lib/patch/targets.js'
import {formatVersion, parseVersion, type Version} from '../../lib/patch/version.js'
import {outputWidth} from '../../lib/report/format.js'

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/
const DEVICE = /^\/dev\/(sd|xvd)[a-z]{1,2}$/

export default class PatchRun extends WorkflowCommand<typeof PatchRun> {
  static override summary =
    'Patch the PostgreSQL servers below --min-version: a canary first, then waves, a health gate after each, a rollback from the snapshot on failure.'
  static override description =
    `The read-only steps come first, as in "patch scan": the targets resolve to running SSM-managed instances (exit 2 when they match nothing or one is not managed), each one's installed version is read, and the --health-alarm alarms and the --notify-topic must exist (exit 2 otherwise). Instances already at or above --min-version are left alone, and so are those whose version could not be read.

The plan (what --dry-run shows): --canary instances first, then waves of --wave instances (a count, or a percentage of the instances to patch); two instances with the same opsctl:cluster tag are never in one wave.

Each wave runs the procedure of the shipped runbook opsctl-PatchPostgreSQL on its instances: stop PostgreSQL, snapshot the data volume (the EBS volume at --device, tagged with the run and the instance), upgrade, start, verify the version. An instance that fails after its snapshot is rolled back: PostgreSQL stopped, a volume restored from the snapshot swapped in at the same device (the replaced volume is kept, tagged opsctl:replaced-by-rollback), PostgreSQL started and checked, the topic notified. Each instance's result goes to SSM Compliance (Custom:opsctl-<package>). The local engine (the default) sends one SendCommand per wave and step (the wave's instances carry a tag opsctl:patch-wave that SSM targets), so the calls grow with the waves, not the instances.

--engine ssm: SSM runs the runbook itself. opsctl publishes it in each region of the fleet (a new version only when it changed) and starts one Automation execution per wave and region with SSM's own fan-out (Targets: the wave's tag opsctl:patch-wave, TargetParameterName InstanceId), then reports each instance's child execution as its step changes; the runbook snapshots, rolls back, notifies and records compliance on its own. Ctrl-C cancels the executions in flight (the runbook's onCancel steps roll back what they were doing); --resume follows an execution that a killed run left going instead of starting its wave again.

--target-locations (with --engine ssm and --targets): other accounts and regions, patched once every wave here passed its gate, by one execution that SSM fans out to each location (each location's TargetLocationMaxConcurrency and TargetLocationMaxErrors, --wave and --max-errors within it, the targets' tags resolved there); opsctl follows its child executions, and one that does not succeed stops the run (exit 1) and tells the topic.

After each wave, the health gate: every --health-alarm must be OK. A failed canary, a failed gate, or more failed instances than --max-errors stops the run: the remaining waves are not started, the topic is notified, exit 1.

Ctrl-C stops the run after rolling back the instances in the middle of their patch (from their snapshots). --resume continues with the first instance not finished, with the same plan; an instance rolled back because of the interrupt is patched again.

--json: the run record; its outcome per schemas/patch-run.json.`
  static override examples = [
    {description: 'See the waves first', command: '<%= config.bin %> <%= command.id %> --targets tag:Role=postgres --min-version 15.8 --dry-run'},
    {
      description: 'One canary, then a quarter of the fleet at a time, gated on an alarm, told to a topic',
      command:
        '<%= config.bin %> <%= command.id %> --targets tag:Role=postgres --min-version 15.8 --canary 1 --wave 25% --health-alarm rds-cpu-high --notify-topic arn:aws:sns:us-east-1:123456789012:dba --yes',
    },
    {
      description: 'Let SSM run the runbook: one Automation execution per wave and region',
      command: '<%= config.bin %> <%= command.id %> --targets tag:Role=postgres --min-version 15.8 --engine ssm --yes',
    },
    {
      description: 'Then the same servers of two other accounts, one location at a time',
      command:
        '<%= config.bin %> <%= command.id %> --targets tag:Role=postgres --min-version 15.8 --engine ssm --target-locations \'[{"Accounts":["111111111111","222222222222"],"Regions":["eu-west-1"],"TargetLocationMaxConcurrency":"1"}]\' --yes',
    },
    {
      description: 'Resume a run that was interrupted or stopped',
      command: '<%= config.bin %> <%= command.id %> --targets tag:Role=postgres --min-version 15.8 --resume 20261202T031500Z-ab12cd',
    },
  ]
  static override flags = {
    ...fleetFlags,
    'min-version': Flags.string({description: 'Patch the instances below this version; each must be at or above it afterwards.', required: true}),
    package: Flags.string({description: 'The package to upgrade.', default: DEFAULT_PACKAGE}),
    canary: Flags.integer({description: 'Instances of the canary wave, patched before any other (0: no canary).', default: 1, min: 0}),
    wave: Flags.string({description: 'Instances of each later wave: a count (10) or a percentage of the instances to patch (25%).', default: '25%'}),
    'max-errors': Flags.string({description: 'Failed instances tolerated before the remaining waves are called off: a count or a percentage.', default: '0'}),
    'health-alarm': Flags.string({description: 'A CloudWatch alarm that must be OK after each wave (repeatable).', multiple: true}),
    'notify-topic': Flags.string({description: 'An SNS topic told of each failed instance and of a stopped run.'}),
    'target-locations': targetLocationsFlag(),
    engine: Flags.string({
      description:
        'Who runs the procedure: opsctl, a wave at a time through Run Command (local), or SSM, one Automation execution of the runbook a wave (ssm).',
      options: ['local', 'ssm'],
      default: 'local',
    }),
    device: Flags.string({description: 'Where the PostgreSQL data volume is attached.', default: '/dev/sdf'}),
    severity: Flags.string({description: 'Severity of a scan verdict recorded in SSM Compliance.', options: [...complianceSeverities], default: 'HIGH'}),
    'poll-interval': secondsFlag({description: 'Seconds between checks of commands, snapshots and volumes.', default: 5, max: 3600}),
    yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation before the first instance is stopped (for CI).'}),
    ...tenantStoreFlags,
  }

  async run(): Promise<RunRecord> {
    const {flags} = this
    const {spec, regions} = fleetRequest(flags)
    const minVersion = parseVersion(flags['min-version'])
    const run = this.runOptions(spec)
    const {package: pkg} = run.request
    const options = {spec, regions, package: pkg, minVersion, compliance: false, severity: flags.severity as (typeof complianceSeverities)[number]}
    const procedure = await PatchProcedure.load()
    try {
      const record = await this.runWorkflow({
        workflow: patchRunWorkflow,
        parameters: {
          targets: flags.targets,
          instances: flags.instances,
          regions,
          minVersion: run.request.minVersion,
          package: pkg,
          canary: run.canary,
          wave: formatFleetShare(run.wave),
          maxErrors: formatFleetShare(run.maxErrors),
          healthAlarms: run.healthAlarms,
          notifyTopic: run.request.notifyTopic,
          device: run.request.device,
          engine: run.engine,
          targetLocations: run.targetLocations,
        },
        context: async (session) => ({...options, session, store: await openTenantStore(session, flags), procedure, run}),
        confirm: {
          question: `Patch ${pkg} to ${run.request.minVersion} on the planned instances now (each is stopped, snapshotted, upgraded and started)?`,
          yes: flags.yes,
        },
      })
      this.tell(record, minVersion)
      return record
    } catch (error) {
      if (error instanceof OpsctlError && error.result) this.tell(error.result as RunRecord, minVersion)
      throw error
    }
  }

  /** The flags as the workflow takes them, each checked before any call. */
  private runOptions(spec: TargetSpec): PatchRunOptions {
    const {flags} = this
    const topic = flags['notify-topic']
    if (topic !== undefined && !TOPIC_ARN.test(topic))
      throw new UsageError(`--notify-topic "${topic}" is not an SNS topic ARN; write it like arn:aws:sns:us-east-1:123456789012:dba.`, 'InvalidTopic')
    if (!DEVICE.test(flags.device)) throw new UsageError(`--device "${flags.device}" is not an EBS device name; write it like /dev/sdf.`, 'InvalidDevice')
    const targetLocations = flags['target-locations'] as TargetLocation[] | undefined
    if (targetLocations && (flags.engine !== 'ssm' || spec.kind !== 'tags'))
      throw new UsageError(
        '--target-locations needs --engine ssm and --targets tag:Key=Value: SSM finds the instances of other accounts by their tags, never by ids of this one.',
        'InvalidTargetLocations',
      )
    return {
      targetLocations,
      engine: flags.engine as PatchEngine,
      canary: flags.canary,
      wave: parseWaveSize(flags.wave),
      maxErrors: parseMaxErrors(flags['max-errors']),
      healthAlarms: flags['health-alarm'] ?? [],
      request: {
        package: parsePackage(flags.package),
        minVersion: formatVersion(parseVersion(flags['min-version'])),
        device: flags.device,
        notifyTopic: topic,
        rate: {maxConcurrency: '100%', maxErrors: '100%'},
        pollIntervalMs: flags['poll-interval'] * 1000,
      },
    }
  }

  /** The plan of a dry run, or what became of each instance (also of a run that stopped). */
  private tell(record: RunRecord, minVersion: Version): void {
    if (this.jsonEnabled()) return
    const outputs = (step: {id: string}) => record.steps.find((s) => s.id === step.id)?.outputs as never
    const plan: PatchPlan | undefined = outputs(planWavesStep)
    if (!plan) return
    const facts: FleetFacts = new Map(scannedInstances(outputs, minVersion).map((i) => [i.instanceId, i]))
    const results: PatchRunOutcome | undefined = record.dryRun ? undefined : patchRunResults(record)
    const patched = record.steps.some((s) => s.id === patchWavesStep.id && s.status !== 'pending')
    const width = outputWidth()
    this.say(results && patched ? renderPatchResults(results, facts, width) : renderPatchPlan(plan, facts, formatVersion(minVersion), width))
  }
}
