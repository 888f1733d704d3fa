import {Args, Flags} from '@oclif/core'

import {canPrompt, confirmChange} from '../../lib/cli/confirm.js'
import {targetLocationsFlag} from '../../lib/cli/flags.js'
import {WorkflowCommand} from '../../lib/cli/workflow-command.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {UsageError} from '../../lib/errors/errors.js'
import {assertRunnableLocally, loadValidRunbook, shippedRunbooksDir} from '../../lib/runbook/load.js'
import {runLocally} from '../../lib/runbook/local-engine.js'
import {parseParameterFlags, resolveParameters} from '../../lib/runbook/parameters.js'
import {runInSsm} from '../../lib/runbook/ssm-engine.js'

export default class RunbookRun extends WorkflowCommand<typeof RunbookRun> {
  static override summary = 'Run an SSM Automation document locally through the AWS SDK, or in SSM.'
  static override description =
    `--engine local (the default) runs the document here with the real SDK and SSM's semantics (nextStep, isEnd, branches, onFailure, onCancel, maxAttempts, timeoutSeconds, isCritical, loops, nested documents from runbooks/). A document with an action only SSM runs (aws:executeScript, aws:invokeLambdaFunction, aws:createStack, …) is refused before anything runs.

--dry-run (local engine) resolves the parameters, runs the steps that change nothing (aws:assertAwsResourceProperty, aws:executeAwsApi calls of Describe/Get/List… APIs, waits, sleeps, branches, variables) and stops at the first step that would change something or ask a person (aws:approve, aws:pause): that step and every step the run may go on to from it are listed as planned, with the IAM actions they would call.

--resume <run-id> (local engine) continues a failed, interrupted or killed local run from its journal, with the same file and parameters: it carries on after the last step that finished, with the variables and step outputs it had; finished steps are skipped, not run again (a loop or nested document that did not finish runs again whole).

--engine ssm publishes the document (no new version when unchanged), starts the automation and follows every step execution live; Ctrl-C stops the execution.

Either way the run is journaled like every opsctl workflow (see "opsctl runs show") and reported the same way (--junit, --summary). aws:approve and aws:pause ask on a terminal; in CI pass --approve.`
  static override examples = [
    {
      description: 'Run the restore test locally against the sandbox',
      command:
        '<%= config.bin %> <%= command.id %> runbooks/opsctl-RestoreTest.yaml -p DBInstanceIdentifier=tenant-shard-001 -p SnapshotIdentifier=tenant-shard-001-nightly -p RestoredInstanceIdentifier=tenant-shard-001-restore-test',
    },
    {
      description: 'Run it in SSM across two accounts, with a JUnit report',
      command:
        '<%= config.bin %> <%= command.id %> runbooks/opsctl-MultiAzFailoverTest.yaml -p DBInstanceIdentifier=tenant-shard-001 --engine ssm --target-locations \'[{"Accounts":["111111111111","222222222222"],"Regions":["eu-west-1"]}]\' --max-concurrency 1 --max-errors 0 --junit failover.xml',
    },
    {
      description: 'See what it would do: the read-only steps run, the reboot and what follows it are planned',
      command: '<%= config.bin %> <%= command.id %> runbooks/opsctl-MultiAzFailoverTest.yaml -p DBInstanceIdentifier=tenant-shard-001 --dry-run',
    },
    {
      description: 'Carry on with a run that failed or was interrupted, after its last finished step',
      command:
        '<%= config.bin %> <%= command.id %> runbooks/opsctl-RestoreTest.yaml -p DBInstanceIdentifier=tenant-shard-001 -p SnapshotIdentifier=tenant-shard-001-nightly -p RestoredInstanceIdentifier=tenant-shard-001-restore-test --resume 20261123T192515Z-4f9a1c',
    },
    {
      description: 'In CI, approving aws:approve steps',
      command: '<%= config.bin %> <%= command.id %> runbooks/opsctl-PatchPostgreSQL.yaml -p InstanceId=i-0123456789abcdef0 -p TargetVersion=15.8 --approve',
    },
  ]
  static override args = {
    file: Args.string({description: 'The document (.yaml, .yml or .json)', required: true}),
  }
  static override flags = {
    parameter: Flags.string({char: 'p', description: 'A document parameter, Name=Value (lists: a,b,c or JSON).', multiple: true}),
    engine: Flags.string({description: 'Where the steps run.', options: ['local', 'ssm'], default: 'local'}),
    approve: Flags.boolean({description: 'Approve aws:approve and aws:pause steps without asking (for CI).'}),
    'document-name': Flags.string({description: 'SSM document name for --engine ssm (default: the file name).'}),
    'target-locations': targetLocationsFlag(),
    'max-concurrency': Flags.string({description: 'Targets run at once, e.g. 10 or 25% (--engine ssm).'}),
    'max-errors': Flags.string({description: 'Errors allowed before the run stops, e.g. 0 or 10% (--engine ssm).'}),
  }

  async run(): Promise<RunRecord> {
    const {flags} = this
    const runbook = await loadValidRunbook(this.args.file)
    const parameters = resolveParameters(runbook.document!, parseParameterFlags(flags.parameter))
    const ssmOnly = ['document-name', 'target-locations', 'max-concurrency', 'max-errors'] as const
    const misplaced = ssmOnly.filter((f) => flags[f] !== undefined)
    if (flags.engine === 'local' && misplaced.length > 0) throw new UsageError(`--${misplaced.join(', --')} only apply with --engine ssm.`)
    const localOnly = [this.dryRun && '--dry-run', flags.resume !== undefined && '--resume'].filter(Boolean)
    if (flags.engine === 'ssm' && localOnly.length > 0)
      throw new UsageError(
        `${localOnly.join(' and ')} only appl${localOnly.length > 1 ? 'y' : 'ies'} with --engine local: SSM can neither dry-run nor resume an execution.`,
      )
    const targetLocations = flags['target-locations']
    if (flags.engine === 'local') {
      // A dry run plans approvals instead of asking for them.
      await assertRunnableLocally(runbook, [shippedRunbooksDir], {canApprove: flags.approve || canPrompt() || this.dryRun})
    }
    const approve = (question: string) => confirmChange(question, {yes: flags.approve, flag: '--approve'})
    // SSM executions have no resume: their hint leaves --resume out.
    return this.drive({resumable: flags.engine === 'local', describe: describeOutputs}, ({session, runId, reporter, dryRun, resume}) =>
      flags.engine === 'local'
        ? runLocally({runbook, parameters, session, runId, reporter, documentDirs: [shippedRunbooksDir], approve, dryRun, resume})
        : runInSsm({
            runbook,
            parameters,
            session,
            runId,
            reporter,
            documentName: flags['document-name'],
            targetLocations,
            maxConcurrency: flags['max-concurrency'],
            maxErrors: flags['max-errors'],
          }),
    )
  }
}

const describeOutputs = (outputs: Record<string, unknown>) =>
  Object.keys(outputs).length > 0
    ? [
        `Outputs: ${Object.entries(outputs)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(' ')}`,
      ]
    : []
