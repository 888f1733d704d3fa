import {BaseCommand} from '../../lib/cli/base-command.js'
import {type SandboxStop, stopSandbox} from '../../lib/sandbox/sandbox.js'

export default class SandboxStopCommand extends BaseCommand<typeof SandboxStopCommand> {
  static override baseFlags = BaseCommand.localBaseFlags
  static override summary = "Stop the sandbox's moto_server; everything in it is forgotten."
  static override description =
    'Ends only the process "opsctl sandbox start" recorded in $OPSCTL_HOME/sandbox/state.json, after checking that it still is that moto_server; a pid now used by another program is left alone. Stopping a sandbox that is not running does nothing.'
  static override examples = ['<%= config.bin %> <%= command.id %>']

  async run(): Promise<Omit<SandboxStop, 'staleState'>> {
    const {staleState, ...result} = await stopSandbox()
    if (staleState) this.warn(`Removed the state of an earlier sandbox: ${staleState}.`)
    this.say(result.stopped ? `Stopped the sandbox at ${result.endpoint} (pid ${result.pid}).` : 'The sandbox is not running.')
    return result
  }
}
