import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../lib/cli/base-command.js'
import {readJournal} from '../../lib/engine/journal.js'
import type {RunRecord} from '../../lib/engine/types.js'
import {outputWidth} from '../../lib/report/format.js'
import {renderRun, renderStep, stepOfRun} from '../../lib/report/run-view.js'

export default class RunsShow extends BaseCommand<typeof RunsShow> {
  static override baseFlags = BaseCommand.localBaseFlags
  static override summary = 'Show one run: its parameters, outcome and every step with its result; --step shows one step in full, with the AWS request ids.'
  static override description =
    `The run is shown within the terminal's width (100 columns when not on a terminal): long values are cut with "…". --step <step> shows one step whole: its status and times, error, undo, IAM actions, every output, and each AWS call it made with its request id (to find it in CloudTrail). --json always prints the whole run record.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 20261123T192515Z-4f9a1c',
    {
      description: 'One step in full, with the request id of each AWS call it made',
      command: '<%= config.bin %> <%= command.id %> 20261123T192515Z-4f9a1c --step restore-instance',
    },
    {description: 'The whole journal as JSON', command: '<%= config.bin %> <%= command.id %> 20261123T192515Z-4f9a1c --json'},
  ]
  static override args = {
    runId: Args.string({description: 'Run id, as shown by "opsctl runs list"', required: true}),
  }
  static override flags = {
    step: Flags.string({description: 'Show this step of the run in full (its id, as in the STEP column).'}),
  }

  async run(): Promise<RunRecord> {
    const record = await readJournal(this.args.runId)
    const step = this.flags.step === undefined ? undefined : stepOfRun(record, this.flags.step)
    this.say(step ? renderStep(record, step, outputWidth()) : renderRun(record, outputWidth()))
    return record
  }
}
