import {mkdirSync} from 'node:fs'
import {join} from 'node:path'

import {DescribeDBSnapshotsCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import {opsctl, parseJson} from '../../support/cli.js'
import {createDbInstance} from '../../support/rds.js'

const snapshotIds = async () =>
  ((await new RDSClient({}).send(new DescribeDBSnapshotsCommand({SnapshotType: 'manual'}))).DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier)

/** Bad input that used to be noticed only after a change: refused while the flags are parsed, exit 2, nothing made. */
describe('refusals before any change (e2e)', () => {
  beforeEach(() => createDbInstance('tenant-shard-001'))

  for (const [flag, path, problem] of [
    ['--junit', '/nonexistent/dir/r.xml', 'the folder /nonexistent/dir does not exist'],
    ['--summary', '/tmp', 'it is a folder'],
  ]) {
    it(`refuses ${flag} ${path} (${problem}) with exit 2 and takes no snapshot`, async () => {
      const result = await opsctl(['snapshot', 'create', 'tenant-shard-001', flag, path])
      expect(result.code, result.stderr).to.equal(2)
      expect(result.stderr.trim()).to.equal(`Error: ${flag} ${path}: ${problem}; choose a path opsctl can write.`)
      expect(await snapshotIds()).to.deep.equal([])
    })
  }

  it("keeps the run's own outcome when a report cannot be written after all (GitHub step summary), with a warning", async () => {
    const folder = join(process.env.OPSCTL_HOME!, 'summary-is-a-folder')
    mkdirSync(folder)
    const result = await opsctl(['snapshot', 'create', 'tenant-shard-001', '--json'], {env: {GITHUB_STEP_SUMMARY: folder}})
    expect(result.code, result.stderr).to.equal(0)
    const json = parseJson(result)
    expect(json.result.status).to.equal('succeeded')
    expect(json.warnings.join(' ')).to.match(/Could not write the GitHub step summary to .*summary-is-a-folder \(EISDIR/)
  })

  for (const [command, args] of [
    ['snapshot create', ['snapshot', 'create', 'tenant-shard-001']],
    ['backup test', ['backup', 'test', 'tenant-shard-001']],
    ['failover drill', ['failover', 'drill', '--cluster', 'tenants-eu', '--yes']],
  ] as const) {
    for (const timeout of ['2147484', '4294968']) {
      it(`refuses ${command} --timeout ${timeout} (beyond Node's timers) with exit 2 before any AWS call`, async () => {
        const result = await opsctl([...args, '--timeout', timeout], {env: {AWS_ENDPOINT_URL: 'http://127.0.0.1:9'}})
        expect(result.code, result.stderr).to.equal(2)
        expect(result.stderr.trim()).to.equal(`Error: --timeout ${timeout} is out of range; use 1 to 604800 seconds (7 days).`)
      })
    }
  }

  it('refuses a non-number and a zero poll interval, naming the flag', async () => {
    const word = await opsctl(['snapshot', 'create', 'tenant-shard-001', '--poll-interval', 'soon'])
    expect(word.code).to.equal(2)
    expect(word.stderr.trim()).to.equal('Error: --poll-interval "soon" is not a whole number of seconds; write it like 15.')
    const zero = await opsctl(['snapshot', 'create', 'tenant-shard-001', '--poll-interval', '0'])
    expect(zero.code).to.equal(2)
    expect(zero.stderr.trim()).to.equal('Error: --poll-interval 0 is out of range; use 1 to 3600 seconds.')
  })
})
