import {readFile} from 'node:fs/promises'

import type {StandIn} from '../aws/session.js'

/**
 * The sandbox's stand-in: what moto lacks, answered inside the SDK by a middleware on the clients of a sandbox session —
 * an SSM agent and Systems Manager's data services (managed instances, command invocations and their effect,
 * compliance, inventory, patch states), and the root user's row of IAM's credential report. It exists only for the
 * sandbox opsctl started: for any other endpoint, and for AWS, there is none. Every command imports this module, so it
 * stays small and loads the answers (stand-in-answers.ts) only against an emulator.
 */
export async function sandboxStandIn(endpoint = process.env.AWS_ENDPOINT_URL): Promise<StandIn | undefined> {
  if (!endpoint || !sameEndpoint(endpoint, await recordedSandboxEndpoint())) return undefined
  return (await import('./stand-in-answers.js')).sandboxAnswers
}

/** The endpoint in the sandbox's state file, or undefined when there is none to read. */
async function recordedSandboxEndpoint(): Promise<string | undefined> {
  const {sandboxStateFile} = await import('./sandbox.js')
  try {
    const {endpoint} = JSON.parse(await readFile(sandboxStateFile(), 'utf8')) as {endpoint?: unknown}
    return typeof endpoint === 'string' ? endpoint : undefined
  } catch {
    return undefined
  }
}

function sameEndpoint(a: string, b: string | undefined): boolean {
  try {
    return b !== undefined && new URL(a).href === new URL(b).href
  } catch {
    return false
  }
}
