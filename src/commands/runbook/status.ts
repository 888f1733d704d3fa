import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {isRunId} from '../../lib/engine/journal.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {UsageError} from '../../lib/errors/errors.js'
import {outputWidth} from '../../lib/report/format.js'
import {renderRun, renderStep, stepOfRun} from '../../lib/report/run-view.js'
import {executionRecord} from '../../lib/runbook/ssm-execution.js'

export default class RunbookStatus extends BaseCommand<typeof RunbookStatus> {
  static override summary = 'Show an SSM Automation execution as a run record: its steps, statuses, outputs and request ids, like a local run.'
  static override description =
    `Reads the execution from SSM, however it was started (runbook run --engine ssm, the console, a maintenance window), and shows it as "opsctl runs show" shows a run: one line per document step (a step the execution did not reach is "not run" while it runs, skipped once it has ended). A rate-controlled or target-location execution runs the document in child executions: each is a step, named by its target (or its execution id), with the child's outputs and ExecutionId. --step <step> shows one step whole: its outputs and the request id of the SSM call that read it. An execution started by "runbook run --engine ssm" from here keeps that run's id. --json prints the run record (schemas/runbook-status.json). Exit 0 whatever the execution's status; 2 for an id that is not an execution id or names no execution in the region.`
  static override examples = [
    {description: 'Follow up on a run started with --engine ssm', command: '<%= config.bin %> <%= command.id %> 4f1c2a3b-1234-4d5e-8f90-0123456789ab'},
    {
      description: 'One step whole, with its outputs',
      command: '<%= config.bin %> <%= command.id %> 4f1c2a3b-1234-4d5e-8f90-0123456789ab --step reboot-with-failover',
    },
    {description: 'The run record as JSON', command: '<%= config.bin %> <%= command.id %> 4f1c2a3b-1234-4d5e-8f90-0123456789ab --json'},
  ]
  static override args = {
    executionId: Args.string({description: 'Automation execution id', required: true}),
  }
  static override flags = {
    step: Flags.string({description: 'Show this step of the execution in full (its id, as in the STEP column).'}),
  }

  async run(): Promise<RunRecord> {
    const {executionId} = this.args
    if (isRunId(executionId))
      throw new UsageError(`"${executionId}" is an opsctl run id, not an automation execution id; see it with "opsctl runs show ${executionId}".`)
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(executionId))
      throw new UsageError(`"${executionId}" is not an automation execution id; ids look like 4f1c2a3b-1234-4d5e-8f90-0123456789ab.`)
    const record = await executionRecord(await this.openAwsSession(), executionId)
    const step = this.flags.step === undefined ? undefined : stepOfRun(record, this.flags.step)
    this.say(step ? renderStep(record, step, outputWidth()) : renderRun(record, outputWidth(), `opsctl runbook status ${executionId}`))
    return record
  }
}
