import {mkdir, writeFile} from 'node:fs/promises'

import {expect} from 'chai'

import {sandboxDir, sandboxStateFile} from '../../../src/lib/sandbox/sandbox.js'
import {sandboxStandIn} from '../../../src/lib/sandbox/ssm-agent.js'

/** Records a sandbox at `endpoint` in this test's $OPSCTL_HOME, as "opsctl sandbox start" does. */
async function recordSandbox(endpoint: string): Promise<void> {
  await mkdir(sandboxDir(), {recursive: true})
  await writeFile(sandboxStateFile(), JSON.stringify({pid: 4242, port: 41927, endpoint, startedAt: new Date().toISOString(), command: ['moto_server']}))
}

describe("the sandbox's SSM agent stand-in: where it is active", () => {
  it('is active for the endpoint of the sandbox opsctl started, written with or without a trailing slash', async () => {
    await recordSandbox('http://127.0.0.1:41927')
    expect(await sandboxStandIn('http://127.0.0.1:41927')).to.be.a('function')
    expect(await sandboxStandIn('http://127.0.0.1:41927/')).to.be.a('function')
  })

  it('is not active for any other endpoint, such as another emulator on another port', async () => {
    await recordSandbox('http://127.0.0.1:41927')
    expect(await sandboxStandIn('http://127.0.0.1:41928')).to.equal(undefined)
    expect(await sandboxStandIn('http://localhost:4566')).to.equal(undefined)
  })

  it('is not active against AWS (no AWS_ENDPOINT_URL), even while a sandbox runs', async () => {
    await recordSandbox('http://127.0.0.1:41927')
    expect(await sandboxStandIn('')).to.equal(undefined)
  })

  it('is not active when no sandbox was started, or its state file is not one', async () => {
    expect(await sandboxStandIn('http://127.0.0.1:41927')).to.equal(undefined)
    await mkdir(sandboxDir(), {recursive: true})
    await writeFile(sandboxStateFile(), 'not json')
    expect(await sandboxStandIn('http://127.0.0.1:41927')).to.equal(undefined)
  })
})
