import {expect} from 'chai'

import {opsctl, parseJson} from '../../support/cli.js'
import {createDbInstance} from '../../support/rds.js'
import {expectMatchesSchema} from '../../support/schema.js'
import {renderedOnTerminal} from '../../support/terminal.js'

/** Identifiers as long as RDS allows (63 characters), so that every column is as wide as it gets. */
const instance = `tenant-shard-${'0'.repeat(45)}-long`
const snapshot = `before-the-quarterly-maintenance-of-the-tenant-shard-${'9'.repeat(10)}`

/** Characters, not bytes: "…" is one column. */
const widest = (text: string) => Math.max(...text.split('\n').map((line) => [...line].length))
/** Prose lines (a message, a warning) are left to the terminal to wrap, so a command in them can be copied whole. */
const tableLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => !/^(Error|Warning): /.test(line))
    .join('\n')

describe('opsctl runs (e2e)', () => {
  let runIds: string[]
  beforeEach(async () => {
    await createDbInstance(instance, {StorageEncrypted: true})
    const created = parseJson(await opsctl(['snapshot', 'create', instance, '--snapshot-id', snapshot, '--poll-interval', '1', '--json']))
    const restored = parseJson(
      await opsctl(['snapshot', 'restore', instance, '--latest', '--target', `${instance.slice(0, 55)}-restore`, '--poll-interval', '1', '--json']),
    )
    runIds = [restored.result.runId, created.result.runId]
  })

  it('lists runs within 100 columns, cutting the parameters with an ellipsis; --json keeps them whole', async () => {
    const list = await opsctl(['runs', 'list'])
    expect(list.code, list.stderr).to.equal(0)
    const lines = list.stdout.trimEnd().split('\n')
    expect(lines[0]).to.match(/^RUN\s+WORKFLOW\s+STATUS\s+DURATION\s+PARAMETERS$/)
    // Two runs started within the same second may list in either order.
    expect(
      lines
        .slice(2)
        .map((line) => line.split(/\s+/).slice(0, 3))
        .sort(),
    ).to.deep.equal(
      [
        [runIds[0], 'snapshot-restore', 'succeeded'],
        [runIds[1], 'snapshot-create', 'succeeded'],
      ].sort(),
    )
    expect(lines.find((line) => line.startsWith(runIds[1]))).to.match(/ dbInstanceId=tenant-shard-0+…$/)
    expect(widest(list.stdout)).to.be.at.most(100)

    const json = parseJson(await opsctl(['runs', 'list', '--json']))
    expectMatchesSchema(json, 'runs-list')
    expect(json.result.runs.find((r: {runId: string}) => r.runId === runIds[1]).parameters).to.deep.include({dbInstanceId: instance, snapshotId: snapshot})
  })

  it('fits the rendered table to a 100-column terminal, one line per run', async () => {
    const {screen, code} = await renderedOnTerminal(['runs', 'list'], {columns: 100})
    expect(code, screen).to.equal(0)
    expect(screen.split('\n'), screen).to.have.length(4)
  })

  it('shows a run within 100 columns, with the number of AWS calls per step and where to find their request ids', async () => {
    const show = await opsctl(['runs', 'show', runIds[1]])
    expect(show.code, show.stderr).to.equal(0)
    expect(show.stdout).to.contain(`snapshot-create succeeded in`).and.to.contain(`  snapshotId: ${snapshot}`)
    expect(show.stdout).to.match(/^create-snapshot\s+succeeded\s+\S+\s+\d+( \(\d+ failed\))?$/m)
    expect(show.stdout).not.to.match(/RDS\.CreateDBSnapshot/)
    expect(show.stdout.trimEnd().split('\n').at(-1)).to.equal(`Each step's outputs and AWS request ids: opsctl runs show ${runIds[1]} --step <step>`)
    expect(widest(tableLines(show.stdout))).to.be.at.most(100)
    const restore = await opsctl(['runs', 'show', runIds[0]])
    expect(widest(tableLines(restore.stdout))).to.be.at.most(100)
    expect(restore.stdout).to.contain(`\n  targetId: ${instance.slice(0, 55)}-restore\n`)
  })

  it('shows one step in full with --step: its outputs and the request id of every AWS call', async () => {
    const step = await opsctl(['runs', 'show', runIds[1], '--step', 'create-snapshot'])
    expect(step.code, step.stderr).to.equal(0)
    const record = parseJson(await opsctl(['runs', 'show', runIds[1], '--json'])).result
    const created = record.steps.find((s: {id: string}) => s.id === 'create-snapshot')
    expect(step.stdout).to.contain(`Step create-snapshot of run ${runIds[1]} (snapshot-create): ${created.title}`)
    expect(step.stdout).to.contain(`  snapshotId: ${snapshot}`)
    for (const call of created.calls) expect(step.stdout).to.match(new RegExp(`^${call.service}\\.${call.operation}\\s+${call.requestId}`, 'm'))
    expect(widest(tableLines(step.stdout.split('\nAWS CALL')[1]))).to.be.at.most(100)
  })

  it('refuses a step the run does not have, naming the ones it has (exit 2)', async () => {
    const result = await opsctl(['runs', 'show', runIds[1], '--step', 'create-snapsot'])
    expect(result.code).to.equal(2)
    expect(result.stderr.trim()).to.equal(
      `Error: Run ${runIds[1]} has no step "create-snapsot"; its steps are check-instance, create-snapshot, wait-available.`,
    )
  })

  it('prints the same run record with --json, with or without --step', async () => {
    const whole = parseJson(await opsctl(['runs', 'show', runIds[1], '--json']))
    expectMatchesSchema(whole, 'runs-show')
    expect(parseJson(await opsctl(['runs', 'show', runIds[1], '--step', 'create-snapshot', '--json'])).result).to.deep.equal(whole.result)
  })
})
