import {Flags} from '@oclif/core'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {listJournals} from '../../lib/engine/journal.js'
import {isRunbookWorkflow, workflowNames} from '../../lib/engine/workflow-names.js'
import {closest} from '../../lib/errors/did-you-mean.js'
import {UsageError} from '../../lib/errors/errors.js'
import {formatDuration, outputWidth, table} from '../../lib/report/format.js'

export interface RunListing {
  runId: string
  workflow: string
  status: string
  dryRun: boolean
  /** Present for workflows with an objective (drills, backup tests). */
  objectiveMet?: boolean
  startedAt: string
  durationMs?: number
  parameters: Record<string, unknown>
  /** The SSM Automation execution that ran the steps, for a runbook run with --engine ssm. */
  executionId?: string
}

export default class RunsList extends BaseCommand<typeof RunsList> {
  static override baseFlags = BaseCommand.localBaseFlags
  static override summary = 'List past runs from the journals in $OPSCTL_HOME/runs, newest first.'
  static override description =
    'One line per run, within the terminal\'s width (100 columns when not on a terminal): the workflow and parameters are cut with "…" when they do not fit. The run id starts with the run\'s start time (UTC). A runbook run in SSM (--engine ssm) lists its automation execution first among the parameters (execution=<id>; "opsctl runbook status <id>" reads it from SSM). --json has every field whole; "opsctl runs show <run>" shows one run.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'Only snapshot runs, as JSON', command: '<%= config.bin %> <%= command.id %> --workflow snapshot-create --json'},
  ]
  static override flags = {
    workflow: Flags.string({description: 'Only runs of this workflow, e.g. snapshot-create.'}),
    limit: Flags.integer({description: 'Show at most this many runs.', default: 50, min: 1}),
  }

  async run(): Promise<{runs: RunListing[]}> {
    const {workflow} = this.flags
    if (workflow !== undefined && !workflowNames.includes(workflow) && !isRunbookWorkflow(workflow)) {
      const nearest = closest(workflow, workflowNames)
      throw new UsageError(
        `There is no workflow "${workflow}"${nearest ? `; did you mean ${nearest}?` : ';'} Workflows are ${workflowNames.join(', ')} and runbook:<document name>.`,
        'UnknownWorkflow',
      )
    }
    const records = (await listJournals(workflow)).slice(0, this.flags.limit)
    const runs = records.map(({runId, workflow, status, dryRun, objective, startedAt, durationMs, parameters, executionId}) => ({
      runId,
      workflow,
      status,
      dryRun,
      objectiveMet: objective?.met,
      startedAt,
      durationMs,
      parameters,
      executionId,
    }))
    // The run id starts with the run's UTC start time, so no column of its own; --json has startedAt and the parameters whole.
    this.say(
      runs.length === 0
        ? 'No runs recorded yet.'
        : table(
            ['RUN', 'WORKFLOW', 'STATUS', 'DURATION', 'PARAMETERS'],
            runs.map((r) => [
              r.runId,
              r.workflow,
              r.objectiveMet === false ? 'objective missed' : `${r.status}${r.dryRun ? ' (dry run)' : ''}`,
              formatDuration(r.durationMs),
              Object.entries({execution: r.executionId, ...r.parameters})
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
                .join(' '),
            ]),
            {width: outputWidth(), columns: {WORKFLOW: 16, PARAMETERS: 16}},
          ),
    )
    return {runs}
  }
}
