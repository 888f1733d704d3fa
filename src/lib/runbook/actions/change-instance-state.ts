import {UsageError} from '../../errors/errors.js'
import type {ActionSpec} from '../action.js'
import {isLiteral} from '../validate/values.js'

const pollIntervalMs = 5000
const changeCall: Record<string, string> = {running: 'ec2:StartInstances', stopped: 'ec2:StopInstances', terminated: 'ec2:TerminateInstances'}

export const changeInstanceState: ActionSpec = {
  name: 'aws:changeInstanceState',
  requiredInputs: ['InstanceIds', 'DesiredState'],
  builtinOutputs: [],
  mutates: (inputs) => inputs.CheckStateOnly !== true,
  calls: (inputs) => [
    'ec2:DescribeInstances',
    ...(inputs.CheckStateOnly === true ? [] : changeCall[String(inputs.DesiredState)] ? [changeCall[String(inputs.DesiredState)]] : Object.values(changeCall)),
  ],
  checkInputs({DesiredState: desired}, check) {
    if (isLiteral(desired) && !changeCall[String(desired)])
      check.error('desired-state', ['DesiredState'], `DesiredState of step ${check.step} is ${JSON.stringify(desired)}.`, 'use running, stopped or terminated.')
  },
  async run(inputs, ctx) {
    const {DescribeInstancesCommand, EC2Client, StartInstancesCommand, StopInstancesCommand, TerminateInstancesCommand} = await import('@aws-sdk/client-ec2')
    const ec2 = ctx.session.client(EC2Client)
    const InstanceIds = (Array.isArray(inputs.InstanceIds) ? inputs.InstanceIds : [inputs.InstanceIds]).map(String)
    const desired = String(inputs.DesiredState)
    if (!changeCall[desired]) throw new UsageError(`DesiredState "${desired}" of step ${ctx.step.name} is not running, stopped or terminated.`, 'InvalidInput')
    const options = {abortSignal: ctx.io.signal}
    if (inputs.CheckStateOnly !== true) {
      if (desired === 'running') await ec2.send(new StartInstancesCommand({InstanceIds}), options)
      else if (desired === 'stopped') await ec2.send(new StopInstancesCommand({InstanceIds, Force: inputs.Force === true}), options)
      else await ec2.send(new TerminateInstancesCommand({InstanceIds}), options)
    }
    for (;;) {
      const {Reservations} = await ec2.send(new DescribeInstancesCommand({InstanceIds}), options)
      const states = (Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => `${i.InstanceId} ${i.State?.Name}`)
      if (states.every((s) => s.endsWith(` ${desired}`))) return {outputs: {InstanceIds, State: desired}}
      ctx.io.progress(`waiting for ${desired}: ${states.join(', ')}`)
      await ctx.io.clock.sleep(pollIntervalMs, ctx.io.signal)
    }
  },
}
