import {BaseCommand} from '../../lib/cli/base-command.js'
import {sandboxEnvironment, variablesOverridingSandbox} from '../../lib/sandbox/environment.js'
import {requireRunningSandbox} from '../../lib/sandbox/sandbox.js'

export default class SandboxEnv extends BaseCommand<typeof SandboxEnv> {
  static override baseFlags = BaseCommand.localBaseFlags
  static override summary = 'Print the shell lines that point AWS SDKs, the AWS CLI and opsctl at the sandbox.'
  static override description =
    'Prints "export" lines for the endpoint (AWS_ENDPOINT_URL), the region and moto\'s dummy credentials, after an "unset" of the variables that would override them (a profile, a session token, service-specific endpoints). Evaluate them in your shell; open a new shell to get your own settings back. The AWS CLI v1 ignores AWS_ENDPOINT_URL: pass it --endpoint-url.'
  static override examples = [
    {description: 'Point this shell at the sandbox', command: 'eval "$(<%= config.bin %> <%= command.id %>)"'},
    {description: 'See the variables', command: '<%= config.bin %> <%= command.id %>'},
  ]

  async run(): Promise<{endpoint: string; variables: Record<string, string>; unset: string[]}> {
    const state = await requireRunningSandbox()
    const variables = sandboxEnvironment(state)
    const unset = variablesOverridingSandbox()
    this.say(
      [
        `# opsctl sandbox at ${state.endpoint}; use: eval "$(opsctl sandbox env)"`,
        `unset ${unset.join(' ')}`,
        ...Object.entries(variables).map(([name, value]) => `export ${name}=${value}`),
      ].join('\n'),
    )
    return {endpoint: state.endpoint, variables, unset}
  }
}
