import {runCommandToEnd} from '../../aws/ssm.js'
import {OpsctlError} from '../../errors/errors.js'
import {ExitCode} from '../../errors/exit-codes.js'
import type {ActionSpec} from '../action.js'

/** Run Command takes each parameter as a list of strings; runbooks often write a single string. */
const asParameterLists = (parameters: Record<string, unknown> = {}) =>
  Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))]))

export const runCommand: ActionSpec = {
  name: 'aws:runCommand',
  requiredInputs: ['DocumentName'],
  oneOf: [['InstanceIds', 'Targets']],
  builtinOutputs: ['CommandId', 'Status', 'ResponseCode', 'Output'],
  mutates: () => true,
  calls: () => ['ssm:SendCommand', 'ssm:ListCommandInvocations'],
  async run(inputs, ctx) {
    const {SSMClient} = await import('@aws-sdk/client-ssm')
    const {commandId, invocations} = await runCommandToEnd(
      ctx.session.client(SSMClient),
      {...inputs, Parameters: asParameterLists(inputs.Parameters)} as never,
      ctx.io,
    )
    const failed = invocations.filter((i) => i.Status !== 'Success')
    const first = failed[0] ?? invocations[0]
    const plugin = first.CommandPlugins?.[0]
    const outputs = {
      CommandId: commandId,
      Status: failed.length > 0 ? first.Status : 'Success',
      ResponseCode: plugin?.ResponseCode ?? 0,
      Output: plugin?.Output ?? '',
      Instances: invocations.map((i) => ({InstanceId: i.InstanceId, Status: i.Status, ResponseCode: i.CommandPlugins?.[0]?.ResponseCode})),
    }
    if (failed.length > 0) {
      throw new OpsctlError(
        `Command ${commandId} ${first.Status} on ${failed.map((i) => i.InstanceId).join(', ')}: ${(plugin?.Output ?? '').trim().split('\n').at(-1) || 'no output'}; see "aws ssm get-command-invocation --command-id ${commandId} --instance-id ${first.InstanceId}".`,
        ExitCode.WorkflowFailed,
        'CommandFailed',
      )
    }
    return {outputs}
  },
}
