import type {EC2Client} from '@aws-sdk/client-ec2'
import type {CommandInvocation, SSMClient} from '@aws-sdk/client-ssm'

import {type Polling, runCommandToEnd} from '../aws/ssm.js'
import type {ShellCommand} from './procedure.js'

/*
 * The runbook's shell steps sent to a wave of instances: one SendCommand for the whole wave, addressed by a tag the
 * wave's instances carry (SSM's Targets, with its rate control), so the calls grow with waves and steps, not with
 * instances. An instance that fails a step leaves the wave (its tag is removed): the next step reaches only those
 * still being patched.
 */

/** The tag of the instances of a wave still being patched: `<run id>/<wave>`. */
export const WAVE_TAG = 'opsctl:patch-wave'

export interface ShellResults {
  /** Instances whose invocation succeeded, in the order asked. */
  ok: string[]
  /** Instances whose invocation did not, with why in a few words. */
  failed: Map<string, string>
  /** What each instance printed (the first plugin's output, as SSM keeps it: at most 2,500 characters). */
  output: Map<string, string>
}

export interface WaveRate {
  /** SSM MaxConcurrency: how many instances of the wave run a step at once. */
  maxConcurrency: string
  /** SSM MaxErrors: after this many failures SSM stops sending the step to more instances. */
  maxErrors: string
}

/** EC2 tags at most 1,000 resources a call. */
const TAG_BATCH = 1000

export class WaveShell {
  constructor(
    private readonly ssm: SSMClient,
    private readonly ec2: EC2Client,
    private readonly polling: Polling & {pollIntervalMs: number},
    private readonly wave: string,
    private readonly rate: WaveRate,
  ) {}

  /** Tags the instances as members of the wave. */
  async join(instanceIds: string[]): Promise<void> {
    const {CreateTagsCommand} = await import('@aws-sdk/client-ec2')
    for (let start = 0; start < instanceIds.length; start += TAG_BATCH)
      await this.ec2.send(new CreateTagsCommand({Resources: instanceIds.slice(start, start + TAG_BATCH), Tags: [{Key: WAVE_TAG, Value: this.wave}]}), {
        abortSignal: this.polling.signal,
      })
  }

  /** Takes the instances out of the wave (a failed one, or all at the end). */
  async leave(instanceIds: string[]): Promise<void> {
    const {DeleteTagsCommand} = await import('@aws-sdk/client-ec2')
    for (let start = 0; start < instanceIds.length; start += TAG_BATCH)
      await this.ec2.send(new DeleteTagsCommand({Resources: instanceIds.slice(start, start + TAG_BATCH), Tags: [{Key: WAVE_TAG, Value: this.wave}]}), {
        abortSignal: this.polling.signal,
      })
  }

  /** Runs a step on every instance still in the wave (`members`, as the tag says): one SendCommand. */
  async send(command: ShellCommand, members: string[]): Promise<ShellResults> {
    if (members.length === 0) return {ok: [], failed: new Map(), output: new Map()}
    return this.run(command, members, {Targets: [{Key: `tag:${WAVE_TAG}`, Values: [this.wave]}], ...this.rateControl()})
  }

  /** Runs a step on one instance (a step that refers to the instance's own values, like its data volume). */
  sendTo(command: ShellCommand, instanceId: string): Promise<ShellResults> {
    return this.run(command, [instanceId], {InstanceIds: [instanceId]})
  }

  private rateControl() {
    return {MaxConcurrency: this.rate.maxConcurrency, MaxErrors: this.rate.maxErrors}
  }

  private async run(command: ShellCommand, expected: string[], addressed: Record<string, unknown>): Promise<ShellResults> {
    const {invocations} = await runCommandToEnd(
      this.ssm,
      {
        DocumentName: 'AWS-RunShellScript',
        ...addressed,
        Parameters: {commands: command.commands, executionTimeout: [String(command.timeoutSeconds)]},
        Comment: `opsctl patch ${this.wave} ${command.step}`,
      },
      {...this.polling, progress: (message) => this.polling.progress(`${command.step}: ${message}`)},
      this.polling.pollIntervalMs,
    )
    return resultsOf(command.step, expected, invocations)
  }
}

/** Each expected instance's result: an instance SSM never reached (rate control stopped it) failed the step too. */
function resultsOf(step: string, expected: string[], invocations: CommandInvocation[]): ShellResults {
  const byInstance = new Map(invocations.map((i) => [i.InstanceId, i]))
  const results: ShellResults = {ok: [], failed: new Map(), output: new Map()}
  for (const instanceId of expected) {
    const invocation = byInstance.get(instanceId)
    const output = invocation?.CommandPlugins?.[0]?.Output ?? ''
    results.output.set(instanceId, output)
    if (invocation?.Status === 'Success') results.ok.push(instanceId)
    else results.failed.set(instanceId, invocation ? `${step} ${invocation.Status}${lastLine(output)}` : `${step} never reached it (SSM rate control stopped)`)
  }
  return results
}

/** The last line an instance printed (usually what went wrong), short. */
function lastLine(output: string): string {
  const line = output.trim().split('\n').at(-1)?.trim() ?? ''
  return line ? `: ${line.slice(0, 160)}` : ''
}
