import {
  type Command,
  type CommandInvocation,
  type GetCommandInvocationCommandInput,
  type GetCommandInvocationCommandOutput,
  InvocationDoesNotExist,
  type ListCommandInvocationsCommandInput,
  type ListCommandInvocationsCommandOutput,
  ListCommandsCommand,
  type ListCommandsCommandInput,
  type ListCommandsCommandOutput,
  type SendCommandCommandInput,
  type SendCommandCommandOutput,
} from '@aws-sdk/client-ssm'

import {OpsctlError} from '../errors/errors.js'
import {type ManagedInstance, managedInstances, notManaged, onePage, type StandInContext, tagInstance} from './ssm-agent-instances.js'
import {STAND_IN_TAGS} from './ssm-agent-tags.js'

/** What running a command's script on one instance came to. */
interface Execution {
  status: 'Success' | 'Failed'
  responseCode: number
  stdout: string
  stderr: string
}

type Outcome = {stdout?: string; failure?: {code: number; stderr: string}}

const PLUGIN = 'aws:runShellScript'
const FIRST_VERSION = /\b\d+(?:\.\d+)+\b/

const rpmName = (version: string) => `postgresql-${version}-1.amzn2.x86_64`

/** A version query prints the installed version in its tool's format; without one, PostgreSQL is not installed. */
function versionQuery(format: (version: string) => string) {
  return async (instance: ManagedInstance): Promise<Outcome> => {
    const version = instance.tags[STAND_IN_TAGS.version]
    return version ? {stdout: format(version)} : {failure: {code: 1, stderr: 'package postgresql is not installed'}}
  }
}

/**
 * What the stand-in understands of a shell script: its statements (lines, `;` and `&&`), each answered by the first
 * action named in it. Each kind of action runs once a script, as the branches of a script are alternatives: the
 * dnf, yum and apt-get of an upgrade, the rpm, dpkg-query and psql of a version query (answered as on an rpm host).
 * Every other statement succeeds without output; a failing action ends the script.
 */
type Action = {kind: 'upgrade' | 'version' | 'service'; pattern: RegExp; run(instance: ManagedInstance, script: string, ctx: StandInContext): Promise<Outcome>}
const actions: Action[] = [
  {kind: 'upgrade', pattern: /\b(?:yum|dnf|apt-get|apt)\b.*\b(?:update|upgrade|install)\b/, run: upgrade},
  {kind: 'version', pattern: /\brpm\s+-q/, run: versionQuery(rpmName)},
  {kind: 'version', pattern: /\bdpkg-query\b/, run: versionQuery((version) => `${version}-1.pgdg22.04+1`)},
  {kind: 'version', pattern: /\b(?:psql|postgres)\s+(?:-V|--version)\b/, run: versionQuery((version) => `psql (PostgreSQL) ${version}`)},
  {kind: 'service', pattern: /\bsystemctl\s+(?:is-active|status)\b/, run: async () => ({stdout: 'active'})},
]

/** The newest PostgreSQL the sandbox's package repository offers: what an upgrade naming no version installs. */
export const REPOSITORY_VERSION = '15.10'

/**
 * An upgrade installs the first version the script names (the runbook's TargetVersion), else the repository's newest,
 * unless the instance is made to fail.
 */
async function upgrade(instance: ManagedInstance, script: string, ctx: StandInContext): Promise<Outcome> {
  if (instance.tags[STAND_IN_TAGS.fail] === 'upgrade')
    return {failure: {code: 1, stderr: `Error: upgrading PostgreSQL failed (the sandbox instance is tagged ${STAND_IN_TAGS.fail}=upgrade)`}}
  const target = FIRST_VERSION.exec(script)?.[0] ?? REPOSITORY_VERSION
  await tagInstance(ctx, instance.instanceId, {[STAND_IN_TAGS.version]: target})
  instance.tags[STAND_IN_TAGS.version] = target
  return {stdout: `Upgraded:\n  ${rpmName(target)}\nComplete!`}
}

/** What a statement asks for: the first action named in it. */
const actionOf = (statement: string): Action | undefined =>
  actions
    .map((action) => ({action, at: statement.search(action.pattern)}))
    .filter(({at}) => at >= 0)
    .sort((x, y) => x.at - y.at)[0]?.action

/** Runs the command's script on the instance, with its effect on the instance's tags. */
async function execute(command: Command, instance: ManagedInstance, ctx: StandInContext): Promise<Execution> {
  const script = (command.Parameters?.commands ?? []).join('\n')
  const statements = command.DocumentName === 'AWS-RunShellScript' ? script.split(/\n|;|&&/) : []
  const lines: string[] = []
  const done = new Set<Action['kind']>()
  for (const action of statements.map(actionOf)) {
    if (!action || done.has(action.kind)) continue
    done.add(action.kind)
    const outcome = await action.run(instance, script, ctx)
    if (outcome.stdout) lines.push(outcome.stdout)
    if (outcome.failure) return {status: 'Failed', responseCode: outcome.failure.code, stdout: lines.join('\n'), stderr: outcome.failure.stderr}
  }
  return {status: 'Success', responseCode: 0, stdout: lines.join('\n'), stderr: ''}
}

/** SSM's plugin output: standard output, then standard error after its marker. */
const pluginOutput = (run: Execution) => (run.stderr ? `${run.stdout}\n----------ERROR-------\n${run.stderr}` : run.stdout)

function invocation(command: Command, instance: ManagedInstance, run: Execution, details: boolean): CommandInvocation {
  const at = command.RequestedDateTime ?? new Date()
  return {
    CommandId: command.CommandId,
    InstanceId: instance.instanceId,
    InstanceName: instance.tags.Name,
    Comment: command.Comment,
    DocumentName: command.DocumentName,
    DocumentVersion: '$DEFAULT',
    RequestedDateTime: at,
    Status: run.status,
    StatusDetails: run.status,
    CommandPlugins: details
      ? [
          {
            Name: PLUGIN,
            Status: run.status,
            StatusDetails: run.status,
            ResponseCode: run.responseCode,
            ResponseStartDateTime: at,
            ResponseFinishDateTime: at,
            Output: pluginOutput(run),
          },
        ]
      : [],
  }
}

/** The commands (moto records them, with the instances their Targets resolved to) the listing asks about. */
async function commandsOf(ctx: StandInContext, input: {CommandId?: string; InstanceId?: string}): Promise<Command[]> {
  const {Commands = []} = await ctx.ssm.send(new ListCommandsCommand({CommandId: input.CommandId, InstanceId: input.InstanceId}))
  return Commands
}

/** Every invocation of the commands asked about, each executed now on its managed instance. */
export async function listCommandInvocations(
  ctx: StandInContext,
  input: ListCommandInvocationsCommandInput,
): Promise<Partial<ListCommandInvocationsCommandOutput>> {
  if (input.Filters?.length)
    throw new OpsctlError("The sandbox's SSM agent stand-in does not filter command invocations; list them by CommandId or InstanceId.")
  const invocations: CommandInvocation[] = []
  for (const command of await commandsOf(ctx, input)) {
    const ids = (command.InstanceIds ?? []).filter((id) => !input.InstanceId || id === input.InstanceId)
    for (const instance of await managedInstances(ctx, ids))
      invocations.push(invocation(command, instance, await execute(command, instance, ctx), input.Details ?? false))
  }
  const {items, NextToken} = onePage(invocations, input)
  return {CommandInvocations: items, NextToken}
}

/** One invocation, executed now, with its output as the plugin wrote it. */
export async function getCommandInvocation(ctx: StandInContext, input: GetCommandInvocationCommandInput): Promise<Partial<GetCommandInvocationCommandOutput>> {
  const [command] = await commandsOf(ctx, {CommandId: input.CommandId})
  const [instance] = command.InstanceIds?.includes(input.InstanceId!) ? await managedInstances(ctx, [input.InstanceId!]) : []
  if (!instance || (input.PluginName && input.PluginName !== PLUGIN))
    throw new InvocationDoesNotExist({message: `Command ${input.CommandId} has no invocation on ${input.InstanceId}.`, $metadata: {}})
  const run = await execute(command, instance, ctx)
  const at = (command.RequestedDateTime ?? new Date()).toISOString()
  return {
    CommandId: command.CommandId,
    InstanceId: instance.instanceId,
    Comment: command.Comment,
    DocumentName: command.DocumentName,
    DocumentVersion: '$DEFAULT',
    PluginName: PLUGIN,
    ResponseCode: run.responseCode,
    ExecutionStartDateTime: at,
    ExecutionElapsedTime: 'PT0S',
    ExecutionEndDateTime: at,
    Status: run.status,
    StatusDetails: run.status,
    StandardOutputContent: run.stdout,
    StandardErrorContent: run.stderr,
  }
}

/**
 * moto adds every instance to a command sent without Targets (it resolves empty Targets to all instances), so
 * instance ids go to moto as an `instance-id` target too, which it reads as that EC2 filter; answers show the
 * Targets that were sent.
 */
const INSTANCE_ID_TARGET = 'instance-id'
const targetsAsSent = (command: Command | undefined): Command | undefined =>
  command && {...command, Targets: command.Targets?.filter((t) => t.Key !== INSTANCE_ID_TARGET)}

/** Records the command in moto; SSM refuses one aimed at an instance it does not manage, before anything runs. */
export async function sendCommand(ctx: StandInContext, input: SendCommandCommandInput, toMoto: (input: object) => Promise<object>): Promise<object> {
  const managed = new Set((await managedInstances(ctx, input.InstanceIds ?? [])).map((i) => i.instanceId))
  const unmanaged = (input.InstanceIds ?? []).find((id) => !managed.has(id))
  if (unmanaged) throw notManaged(unmanaged)
  const aimed = input.Targets?.length ? input : {...input, Targets: [{Key: INSTANCE_ID_TARGET, Values: input.InstanceIds}]}
  const {Command} = (await toMoto(aimed)) as SendCommandCommandOutput
  return {Command: targetsAsSent(Command)}
}

export async function listCommands(_: StandInContext, input: ListCommandsCommandInput, toMoto: (input: object) => Promise<object>): Promise<object> {
  const {Commands = [], NextToken} = (await toMoto(input)) as ListCommandsCommandOutput
  return {Commands: Commands.map(targetsAsSent), NextToken}
}
