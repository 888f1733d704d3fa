import {BaseCommand} from '../../lib/cli/base-command.js'
import {formatDuration} from '../../lib/report/format.js'
import {type SandboxStatus, startSandbox} from '../../lib/sandbox/sandbox.js'

export default class SandboxStart extends BaseCommand<typeof SandboxStart> {
  static override baseFlags = BaseCommand.localBaseFlags
  static override summary = 'Start the sandbox: a local AWS emulator (moto_server) to try opsctl without an AWS account.'
  static override description =
    `Finds moto_server on PATH, else runs "python3 -m moto.server", else installs moto[server] with pip into a virtual environment under $OPSCTL_HOME/sandbox (once; Python 3 is needed). The server runs detached on 127.0.0.1 on a free port, logs to $OPSCTL_HOME/sandbox/moto.log and keeps running until "opsctl sandbox stop". Its resources live in memory: a restarted sandbox is empty until seeded again. When the sandbox is already running, it is left as it is.

Next: "opsctl sandbox seed" creates the demo estate, and eval "$(opsctl sandbox env)" points your shell at the sandbox.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'Start it from a script and read the endpoint', command: '<%= config.bin %> <%= command.id %> --json'},
  ]

  async run(): Promise<SandboxStatus & {alreadyRunning: boolean}> {
    const {status, alreadyRunning, staleState} = await startSandbox({
      onInstall: (venv) => this.say(`moto_server was not found; installing moto[server] into ${venv} (once; this takes a minute).`),
    })
    if (staleState) this.warn(`Removed the state of an earlier sandbox: ${staleState}.`)
    this.say(
      alreadyRunning
        ? `The sandbox is already running at ${status.endpoint} (pid ${status.pid}, up ${formatDuration(Date.now() - Date.parse(status.startedAt!))}).`
        : `The sandbox is running at ${status.endpoint} (pid ${status.pid}). Next: "opsctl sandbox seed", then eval "$(opsctl sandbox env)".`,
    )
    return {...status, alreadyRunning}
  }
}
