import {BaseCommand} from '../../lib/cli/base-command.js'
import {formatDuration} from '../../lib/report/format.js'
import {type SandboxStatus, sandboxStatus} from '../../lib/sandbox/sandbox.js'

export default class SandboxStatusCommand extends BaseCommand<typeof SandboxStatusCommand> {
  static override baseFlags = BaseCommand.localBaseFlags
  static override summary = 'Say whether the sandbox is running, where, and for how long.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'As JSON, for scripts', command: '<%= config.bin %> <%= command.id %> --json'},
  ]

  async run(): Promise<SandboxStatus> {
    const status = await sandboxStatus()
    if (!status.running) this.say('The sandbox is not running; start it with "opsctl sandbox start".')
    else if (!status.answering)
      this.say(`The sandbox's moto_server (pid ${status.pid}) is running but does not answer on ${status.endpoint}; see ${status.logFile}.`)
    else
      this.say(
        `The sandbox is running at ${status.endpoint} (pid ${status.pid}, up ${formatDuration(Date.now() - Date.parse(status.startedAt!))}); log: ${status.logFile}.`,
      )
    return status
  }
}
