import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {DescribeDBInstancesCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import type {RunRecord} from '../../../src/lib/engine/types.js'
import {opsctl} from '../../support/cli.js'
import {createDbInstance} from '../../support/rds.js'
import {onTerminal} from '../../support/terminal.js'

const journals = (): RunRecord[] => {
  const dir = join(process.env.OPSCTL_HOME!, 'runs')
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')))
}

const instanceIds = async () => ((await new RDSClient({}).send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).map((i) => i.DBInstanceIdentifier)

/** Ctrl-C as a person presses it: on a real pseudo-terminal, with the live step list drawn. */
describe('Ctrl-C on a terminal (e2e, real pseudo-terminal)', () => {
  it('stops a runbook in aws:sleep: exit 130, the run journalled as interrupted', async () => {
    const file = fileURLToPath(new URL('../../fixtures/runbooks/wait-long.yaml', import.meta.url))
    const terminal = onTerminal(['runbook', 'run', file])
    // Every title is drawn from the start: wait until the first step is ticked off, so the second is running.
    await terminal.waitFor(/✔(\u001b\[\d+m)? whoAmI/)
    terminal.pressCtrlC()
    expect(await terminal.exited, terminal.screen).to.equal(130)
    expect(terminal.screen).to.contain('Interrupted by SIGINT')
    const [record] = journals()
    expect(record.status).to.equal('interrupted')
    expect(record.steps.map((s) => `${s.id}:${s.status}`)).to.deep.equal(['who-am-i:succeeded', 'wait-long:failed'])
  })

  it('stops a replica-promotion drill during measure-recovery, deletes the replica it created and exits 130', async () => {
    await createDbInstance('tenant-shard-001')
    // moto never shows a promoted replica as writable, so the measurement waits until it is interrupted.
    const terminal = onTerminal(['failover', 'drill', 'tenant-shard-001', '--mode', 'replica-promotion', '--yes'])
    await terminal.waitFor(/s since the/)
    expect(await instanceIds()).to.have.length(2)
    terminal.pressCtrlC()
    expect(await terminal.exited, terminal.screen).to.equal(130)
    expect(await instanceIds()).to.deep.equal(['tenant-shard-001'])
    const [record] = journals()
    expect(record.status).to.equal('interrupted')
    expect(record.steps.find((s) => s.id === 'create-replica')).to.deep.include({status: 'undone', undo: {status: 'succeeded'}})
    expect(record.steps.find((s) => s.id === 'measure-recovery')?.status).to.equal('failed')
  })
})

describe('a signal at the very end of a run (e2e)', () => {
  it('never leaves the journal "running", wherever SIGTERM lands after the last step', async () => {
    await createDbInstance('tenant-shard-001')
    for (const delayMs of [0, 5, 20, 60]) {
      await opsctl(['snapshot', 'create', 'tenant-shard-001', '--snapshot-id', `end-${delayMs}`], {
        onSpawn(pid, stdout) {
          let output = ''
          const terminate = () => {
            try {
              process.kill(pid, 'SIGTERM')
            } catch {} // it ended first
          }
          stdout.on('data', (chunk: Buffer) => {
            if (output.includes('✔ wait-available')) return
            output += chunk
            if (output.includes('✔ wait-available')) setTimeout(terminate, delayMs)
          })
        },
      })
    }
    const statuses = journals().map((r) => r.status)
    expect(statuses).to.have.length(4)
    expect(statuses).not.to.include('running')
  })
})
