import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {loadValidRunbook} from '../../lib/runbook/load.js'
import {parseParameterFlags, resolveParameters} from '../../lib/runbook/parameters.js'
import {type PlannedStep, planRunbook} from '../../lib/runbook/plan.js'

export default class RunbookPlan extends BaseCommand<typeof RunbookPlan> {
  static override baseFlags = BaseCommand.localBaseFlags
  static override summary = 'Show what a runbook would do with these parameters, without calling AWS.'
  static override description =
    'Resolves the parameters (defaults, types, allowedValues, allowedPattern) and lists every step with the AWS API calls it makes, whether it changes anything, and where it can jump.'
  static override examples = [
    {
      description: 'Plan a Multi-AZ failover test',
      command: '<%= config.bin %> <%= command.id %> runbooks/opsctl-MultiAzFailoverTest.yaml -p DBInstanceIdentifier=tenant-shard-001',
    },
    {
      description: 'As JSON',
      command:
        '<%= config.bin %> <%= command.id %> runbooks/opsctl-RestoreTest.yaml -p DBInstanceIdentifier=db1 -p SnapshotIdentifier=snap1 -p RestoredInstanceIdentifier=db1-restore-test --json',
    },
  ]
  static override args = {
    file: Args.string({description: 'The document (.yaml, .yml or .json)', required: true}),
  }
  static override flags = {
    parameter: Flags.string({char: 'p', description: 'A document parameter, Name=Value (lists: a,b,c or JSON).', multiple: true}),
  }

  async run(): Promise<{file: string; parameters: Record<string, unknown>; steps: PlannedStep[]}> {
    const runbook = await loadValidRunbook(this.args.file)
    const parameters = resolveParameters(runbook.document!, parseParameterFlags(this.flags.parameter))
    const steps = planRunbook(runbook, parameters)
    this.say(
      `Parameters: ${
        Object.entries(parameters)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(' ') || '(none)'
      }`,
    )
    for (const [i, step] of steps.entries()) {
      const jumps = step.jumps.map((j) => `${j.kind} → ${j.target}`).join(', ')
      this.say(
        `${String(i + 1).padStart(2)}. ${step.loop ? '  ' : ''}${step.name} (${step.action})${step.mutates ? ' [changes]' : ''}${step.calls.length > 0 ? `: ${step.calls.join(', ')}` : ''}${jumps ? `; ${jumps}` : ''}${step.isEnd ? '; ends the run' : ''}`,
      )
    }
    return {file: this.args.file, parameters, steps}
  }
}
