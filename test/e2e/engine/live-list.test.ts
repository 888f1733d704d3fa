import {DeleteDBSnapshotCommand, DescribeDBSnapshotsCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import {createDbInstance} from '../../support/rds.js'
import {renderedOnTerminal} from '../../support/terminal.js'

/** The lines of the live step list: each starts with the mark of its step's state. */
const stepLines = (screen: string) =>
  screen
    .split('\n')
    .map((line, index) => ({line, index}))
    .filter(({line}) => /^[✔✖↓↩]/.test(line))

/** What a person sees on the live step list once the run has ended (rendered by a terminal emulator, 100 columns). */
describe('the live step list, as rendered on a terminal (e2e, tmux)', () => {
  it('shows a backup test check that missed its policy as ✖ with its finding once, and warnings only after the list', async () => {
    await createDbInstance('tenant-shard-001', {BackupRetentionPeriod: 7, StorageEncrypted: true})
    // --keep draws a warning from the last mutating step, while the list is drawn.
    const {screen, code} = await renderedOnTerminal(['backup', 'test', 'tenant-shard-001', '--poll-interval', '1', '--keep'])
    expect(code, screen).to.equal(4)
    const finding = 'backups are kept 7 days, below the required 30 (--min-retention)'
    const lines = screen.split('\n')
    const retention = lines.findIndex((line) => line.includes('Policy: automated backups are kept at least the minimum retention'))
    expect(lines[retention], screen).to.match(/^✖ /)
    expect(lines[retention + 1]).to.equal(`  › missed: ${finding}`)
    expect(screen.split(finding), screen).to.have.length(2)
    expect(screen).to.contain('objective MISSED: check-retention (run ')

    const steps = stepLines(screen)
    expect(steps, screen).to.have.length(12)
    const lastStep = steps.at(-1)!.index
    const warnings = lines.map((line, index) => ({line, index})).filter(({line}) => line.includes('Warning:'))
    expect(warnings.map((w) => w.line)).to.have.length(1)
    expect(warnings[0].line).to.match(/^Warning: Kept the temporary DB instance tenant-shard-001-backup-test-/)
    expect(warnings[0].index, screen).to.be.greaterThan(lastStep)
  })

  it('shows a warning of the first steps after the list too, not above or among its lines', async () => {
    // Without a snapshot the preflight warns while listr is still starting to draw (moto lets the automated one be deleted).
    await createDbInstance('tenant-shard-001')
    const rds = new RDSClient({})
    for (const snapshot of (await rds.send(new DescribeDBSnapshotsCommand({DBInstanceIdentifier: 'tenant-shard-001'}))).DBSnapshots ?? []) {
      await rds.send(new DeleteDBSnapshotCommand({DBSnapshotIdentifier: snapshot.DBSnapshotIdentifier}))
    }
    const {screen} = await renderedOnTerminal(['failover', 'drill', 'tenant-shard-001', '--mode', 'replica-promotion', '--timeout', '1', '--yes'])
    const lines = screen.split('\n')
    const warning = lines.findIndex((line) => line.startsWith('Warning: No snapshot of tenant-shard-001 from the last 24 hours'))
    expect(warning, screen).to.be.greaterThan(stepLines(screen).at(-1)!.index)
    expect(lines.slice(warning).join('\n'), screen).to.match(/^Warning: [^\n]*\n(.*\n)*failover-drill failed in /)
  })

  it('shows a step whose undo ran as ↩ undone, never ✔, and the steps not reached as not run', async () => {
    await createDbInstance('tenant-shard-001')
    // moto never shows a promoted replica as writable: the measurement times out after 1 s and the run undoes the replica it created.
    const {screen, code} = await renderedOnTerminal(['failover', 'drill', 'tenant-shard-001', '--mode', 'replica-promotion', '--timeout', '1', '--yes'])
    expect(code, screen).to.equal(1)
    const replica = stepLines(screen).filter(({line}) => line.includes('Create a read replica of the DB instance'))
    expect(
      replica.map(({line}) => line),
      screen,
    ).to.deep.equal(['↩ Create a read replica of the DB instance, tagged with the run id (undone)'])
    expect(screen).not.to.match(/✔ Create a read replica/)
    expect(screen).to.match(/^✖ Measure the recovery/m)
    expect(screen).to.contain('↓ Delete the promoted replica — not run')
  })
})
