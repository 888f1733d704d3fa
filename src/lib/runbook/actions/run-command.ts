import type {CommandInvocation} from '@aws-sdk/client-ssm'

import {OpsctlError} from '../../cli/errors.js'
import type {ActionSpec} from '../action.js'

const pollIntervalMs = 5000
const finished = new Set(['Success', 'Cancelled', 'TimedOut', 'Failed'])

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
    const {ListCommandInvocationsCommand, SendCommandCommand, SSMClient} = await import('@aws-sdk/client-ssm')
    const ssm = ctx.session.client(SSMClient)
    const {Command} = await ssm.send(new SendCommandCommand({...inputs, Parameters: asParameterLists(inputs.Parameters)} as never), {abortSignal: ctx.io.signal})
    const commandId = Command!.CommandId!
    let invocations: CommandInvocation[] = []
    for (;;) {
      invocations = []
      let NextToken: string | undefined
      do {
        const page = await ssm.send(new ListCommandInvocationsCommand({CommandId: commandId, Details: true, NextToken}), {abortSignal: ctx.io.signal})
        invocations.push(...(page.CommandInvocations ?? []))
        NextToken = page.NextToken
      } while (NextToken)
      const done = invocations.filter((i) => finished.has(i.Status ?? ''))
      if (invocations.length > 0 && done.length === invocations.length) break
      ctx.io.progress(`command ${commandId}: ${done.length} of ${invocations.length || '?'} instances done`)
      await ctx.io.clock.sleep(pollIntervalMs, ctx.io.signal)
    }
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
      throw new OpsctlError(`Command ${commandId} ${first.Status} on ${failed.map((i) => i.InstanceId).join(', ')}: ${(plugin?.Output ?? '').trim().split('\n').at(-1) || 'no output'}; see "aws ssm get-command-invocation --command-id ${commandId} --instance-id ${first.InstanceId}".`, 1, 'CommandFailed')
    }
    return {outputs}
  },
}
