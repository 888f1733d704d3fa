import {Args} from '@oclif/core'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {UsageError} from '../../lib/errors/errors.js'
import {table} from '../../lib/report/format.js'
import {type AutomationStatus, automationStatus} from '../../lib/runbook/ssm-engine.js'

export default class RunbookStatus extends BaseCommand<typeof RunbookStatus> {
  static override summary = 'Show an SSM Automation execution and its steps.'
  static override description = 'The execution status, its outputs and every step execution with its status and failure message.'
  static override examples = [
    {description: 'Follow up on a run started with --engine ssm', command: '<%= config.bin %> <%= command.id %> 4f1c2a3b-1234-4d5e-8f90-0123456789ab'},
  ]
  static override args = {
    executionId: Args.string({description: 'Automation execution id', required: true}),
  }

  async run(): Promise<AutomationStatus> {
    if (!/^[0-9a-f-]{36}$/.test(this.args.executionId))
      throw new UsageError(`"${this.args.executionId}" is not an automation execution id; ids look like 4f1c2a3b-1234-4d5e-8f90-0123456789ab.`)
    const session = await this.openAwsSession()
    const status = await automationStatus(session, this.args.executionId)
    this.say(`${status.documentName} ${status.executionId}: ${status.status}${status.failureMessage ? ` (${status.failureMessage})` : ''}`)
    this.say(
      table(
        ['STEP', 'ACTION', 'STATUS', 'STARTED', 'ENDED'],
        status.steps.map((s) => [s.name, s.action ?? '', s.status, s.startedAt ?? '', s.endedAt ?? '']),
      ),
    )
    return status
  }
}
