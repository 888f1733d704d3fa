import type {CommandInvocation, SendCommandCommandInput, SSMClient} from '@aws-sdk/client-ssm'

/** What polling needs: a clock to wait on, the signal that stops the wait, and a place to say how it goes (a step's StepIO fits). */
export interface Polling {
  clock: {sleep(ms: number, signal?: AbortSignal): Promise<void>}
  signal: AbortSignal
  progress(message: string): void
}

export interface CommandRun {
  commandId: string
  /** One per instance, each finished (Success, Failed, Cancelled or TimedOut), with its plugins' output. */
  invocations: CommandInvocation[]
}

const finished = new Set(['Success', 'Cancelled', 'TimedOut', 'Failed'])

/**
 * Sends a Run Command (to instances or Targets) and polls its invocations until every one has finished. Interrupted
 * while it runs, the command is cancelled on the instances (what comes next, an undo, must not race a script still running).
 */
export async function runCommandToEnd(ssm: SSMClient, input: SendCommandCommandInput, polling: Polling, pollIntervalMs = 5000): Promise<CommandRun> {
  const {CancelCommandCommand, SendCommandCommand} = await import('@aws-sdk/client-ssm')
  const {Command} = await ssm.send(new SendCommandCommand(input), {abortSignal: polling.signal})
  const commandId = Command!.CommandId!
  // Best effort, and never an error of its own: the interrupt is what the run reports.
  const cancel = () =>
    void Promise.resolve()
      .then(() => ssm.send(new CancelCommandCommand({CommandId: commandId})))
      .catch(() => undefined)
  polling.signal.addEventListener('abort', cancel, {once: true})
  try {
    return await invocationsToEnd(ssm, commandId, polling, pollIntervalMs)
  } finally {
    polling.signal.removeEventListener('abort', cancel)
  }
}

/** Polls the command's invocations (every page) until every one has finished. */
async function invocationsToEnd(ssm: SSMClient, commandId: string, polling: Polling, pollIntervalMs: number): Promise<CommandRun> {
  const {ListCommandInvocationsCommand} = await import('@aws-sdk/client-ssm')
  for (;;) {
    const invocations: CommandInvocation[] = []
    let NextToken: string | undefined
    do {
      const page = await ssm.send(new ListCommandInvocationsCommand({CommandId: commandId, Details: true, NextToken}), {abortSignal: polling.signal})
      invocations.push(...(page.CommandInvocations ?? []))
      NextToken = page.NextToken
    } while (NextToken)
    const done = invocations.filter((i) => finished.has(i.Status ?? ''))
    if (invocations.length > 0 && done.length === invocations.length) return {commandId, invocations}
    polling.progress(`command ${commandId}: ${done.length} of ${invocations.length || '?'} instances done`)
    await polling.clock.sleep(pollIntervalMs, polling.signal)
  }
}

/** Writes a parameter, replacing what is there (writing it again after a lost response changes nothing). */
export async function putParameter(ssm: SSMClient, parameter: {name: string; value: string; secure: boolean}, abortSignal?: AbortSignal): Promise<void> {
  const {PutParameterCommand} = await import('@aws-sdk/client-ssm')
  await ssm.send(new PutParameterCommand({Name: parameter.name, Value: parameter.value, Type: parameter.secure ? 'SecureString' : 'String', Overwrite: true}), {
    abortSignal,
  })
}

/** Deletes every parameter under the path; a path with none left is done. */
export async function deleteParametersUnder(ssm: SSMClient, path: string, abortSignal?: AbortSignal): Promise<number> {
  const {DeleteParametersCommand, paginateGetParametersByPath} = await import('@aws-sdk/client-ssm')
  const names: string[] = []
  for await (const page of paginateGetParametersByPath({client: ssm}, {Path: path, Recursive: true}, {abortSignal}))
    names.push(...(page.Parameters ?? []).map((p) => p.Name!))
  for (let start = 0; start < names.length; start += 10) await ssm.send(new DeleteParametersCommand({Names: names.slice(start, start + 10)}), {abortSignal})
  return names.length
}
