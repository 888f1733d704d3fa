import {fileURLToPath} from 'node:url'

import {expect} from 'chai'

import {opsctl, parseJson} from '../../support/cli.js'

/** Ctrl-C as a user sends it: a real SIGINT to the CLI process in the middle of a step. */
describe('interrupting a run (e2e)', () => {
  it('stops at SIGINT, exits 130 and journals the run as interrupted', async () => {
    const file = fileURLToPath(new URL('../../fixtures/runbooks/wait-long.yaml', import.meta.url))
    let output = ''
    let sent = false
    const result = await opsctl(['runbook', 'run', file], {
      onSpawn(pid, stdout) {
        stdout.on('data', (chunk: Buffer) => {
          output += chunk
          if (!sent && output.includes('▶ wait-long')) {
            sent = true
            process.kill(pid, 'SIGINT')
          }
        })
      },
    })
    expect(result.code, result.stdout + result.stderr).to.equal(130)
    expect(result.stderr).to.match(/Interrupted by SIGINT/)
    const runs = parseJson(await opsctl(['runs', 'list', '--json'])).result.runs
    expect(runs).to.have.length(1)
    const record = parseJson(await opsctl(['runs', 'show', runs[0].runId, '--json'])).result
    expect(record.status).to.equal('interrupted')
    expect(record.steps.map((s: {id: string; status: string}) => `${s.id}:${s.status}`)).to.deep.equal(['who-am-i:succeeded', 'wait-long:failed'])
  })
})
