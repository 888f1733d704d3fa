import {mkdir, writeFile} from 'node:fs/promises'

import {AwsSession} from '../../src/lib/aws/session.js'
import {sandboxDir, sandboxStateFile} from '../../src/lib/sandbox/sandbox.js'
import {sandboxStandIn} from '../../src/lib/sandbox/ssm-agent.js'
import {testEnv} from './hooks.js'

/** A session as a CLI process against the sandbox opens it: the test's moto recorded as the sandbox opsctl started. */
export async function sandboxSession(): Promise<AwsSession> {
  await mkdir(sandboxDir(), {recursive: true})
  await writeFile(sandboxStateFile(), JSON.stringify({pid: process.pid, port: 0, endpoint: testEnv.endpoint, startedAt: new Date().toISOString(), command: []}))
  return AwsSession.open({standIn: await sandboxStandIn()})
}
