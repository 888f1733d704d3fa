import {Args} from '@oclif/core'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {readJournal} from '../../lib/engine/journal.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {runVerdict, stepDetail, table} from '../../lib/report/format.js'

export default class RunsShow extends BaseCommand<typeof RunsShow> {
  static override baseFlags = BaseCommand.localBaseFlags
  static override summary = 'Show one run: its parameters, every step with its result, and the AWS request ids.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> 20261123T192515Z-4f9a1c',
    {description: 'The whole journal as JSON', command: '<%= config.bin %> <%= command.id %> 20261123T192515Z-4f9a1c --json'},
  ]
  static override args = {
    runId: Args.string({description: 'Run id, as shown by "opsctl runs list"', required: true}),
  }

  async run(): Promise<RunRecord> {
    const record = await readJournal(this.args.runId)
    this.say(runVerdict(record))
    this.say(`Parameters: ${JSON.stringify(record.parameters)}`)
    if (record.error) this.say(`Error: ${record.error.message}`)
    if (Object.keys(record.metrics).length > 0) this.say(`Metrics: ${JSON.stringify(record.metrics)}`)
    if (record.outcome) this.say(`Outcome: ${JSON.stringify(record.outcome)}`)
    this.say('')
    this.say(table(['STEP', 'STATUS', 'DETAIL', 'UNDO', 'AWS CALLS'], record.steps.map((s) => [
      s.id, s.status, stepDetail(s), s.undo?.status ?? '',
      s.calls.map((c) => `${c.service}.${c.operation}${c.requestId ? `#${c.requestId}` : ''}${c.error ? `!${c.error}` : ''}`).join(' '),
    ])))
    return record
  }
}
