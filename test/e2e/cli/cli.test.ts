import {expect} from 'chai'

import {opsctl, parseJson} from '../../support/cli.js'
import {createDbInstance} from '../../support/rds.js'
import {expectMatchesSchema} from '../../support/schema.js'

describe('opsctl command line (e2e)', () => {
  it('prints its version', async () => {
    const result = await opsctl(['--version'])
    expect(result.code).to.equal(0)
    expect(result.stdout).to.match(/^opsctl\/\d+\.\d+\.\d+ /)
  })

  it("lists its topics and shows examples in a command's help", async () => {
    const top = await opsctl(['--help'])
    expect(top.stdout).to.contain('snapshot').and.to.contain('runs')
    const help = await opsctl(['snapshot', 'create', '--help'])
    expect(help.code).to.equal(0)
    expect(help.stdout).to.contain('EXAMPLES').and.to.contain('$ opsctl snapshot create tenant-shard-001')
    expect(help.stdout).to.contain('GLOBAL FLAGS').and.to.contain('--profile')
  })

  it("answers a command's --help from the build-time rendering exactly as oclif renders it", async () => {
    const fast = await opsctl(['snapshot', 'create', '--help'])
    const rendered = await opsctl(['help', 'snapshot', 'create'])
    expect(fast.stdout).to.contain('USAGE')
    expect(fast.stdout.trim()).to.equal(rendered.stdout.trim())
  })

  it('suggests the nearest command for a typo and exits 2', async () => {
    const result = await opsctl(['snapshot', 'craete', 'db-1'])
    expect(result.code).to.equal(2)
    expect(result.stderr).to.contain('Did you mean "snapshot create"?')
  })

  it('rejects an unknown flag with exit 2', async () => {
    const result = await opsctl(['snapshot', 'list', 'db-1', '--colour'])
    expect(result.code).to.equal(2)
    expect(result.stderr.trim()).to.equal(`Error: Unknown flag --colour; run "opsctl snapshot list --help" for its arguments, flags and examples.`)
  })

  it('rejects a flag value outside its options with exit 2', async () => {
    const result = await opsctl(['failover', 'drill', 'tenant-shard-001', '--mode', 'sideways'])
    expect(result.code).to.equal(2)
    expect(result.stderr.trim()).to.equal('Error: --mode takes one of multi-az, cluster, replica-promotion, not "sideways".')
  })

  it('explains a missing region in one sentence, exit 2, without a stack trace', async () => {
    const result = await opsctl(['snapshot', 'list', 'db-1'], {env: {AWS_REGION: '', AWS_CONFIG_FILE: '/nonexistent'}})
    expect(result.code).to.equal(2)
    expect(result.stderr.trim()).to.equal('Error: No AWS region set: pass --region, export AWS_REGION, or set region in your profile in ~/.aws/config.')
  })

  it('explains missing credentials, exit 2, and creates nothing', async () => {
    await createDbInstance('tenant-shard-009')
    const result = await opsctl(['snapshot', 'create', 'tenant-shard-009'], {
      env: {AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent'},
    })
    expect(result.code).to.equal(2)
    expect(result.stderr).to.match(/No AWS credentials found/)
    const listed = parseJson(await opsctl(['snapshot', 'list', 'tenant-shard-009', '--json']))
    expect(listed.result.snapshots.filter((s: {type: string}) => s.type === 'manual')).to.deep.equal([])
  })

  it('shows a stack trace only with --verbose', async () => {
    const plain = await opsctl(['runs', 'show', 'not-a-run'])
    const verbose = await opsctl(['runs', 'show', 'not-a-run', '--verbose'])
    expect(plain.code).to.equal(2)
    expect(plain.stderr).not.to.match(/\n\s+at /)
    expect(verbose.stderr).to.match(/\n\s+at /)
  })

  it('colours errors only when colour is possible, and never under NO_COLOR', async () => {
    const coloured = await opsctl(['runs', 'show', 'not-a-run'], {env: {FORCE_COLOR: '1', NO_COLOR: undefined}})
    const plain = await opsctl(['runs', 'show', 'not-a-run'], {env: {FORCE_COLOR: '1', NO_COLOR: '1'}})
    expect(coloured.stderr).to.match(/\u001B\[31mError:/)
    expect(plain.stderr).to.match(/^Error: "not-a-run" is not a run id/)
  })

  it('prints only the JSON envelope on stdout with --json, errors included', async () => {
    const result = await opsctl(['snapshot', 'create', 'no-such-db', '--json'])
    expect(result.code).to.equal(2)
    const envelope = parseJson(result)
    expect(envelope.status).to.equal(2)
    expect(envelope.error).to.deep.include({code: 'NotFound'})
    expectMatchesSchema(envelope, 'snapshot-create')
  })

  describe('dry run, reports and journals', () => {
    it('plans the snapshot without taking it, and writes JUnit and Markdown reports', async () => {
      await createDbInstance('tenant-shard-001')
      const dir = process.env.OPSCTL_HOME!
      const summaryFile = `${dir}/github-summary.md`
      const result = await opsctl(['snapshot', 'create', 'tenant-shard-001', '--dry-run', '--junit', `${dir}/r.xml`, '--summary', `${dir}/s.md`], {
        env: {GITHUB_STEP_SUMMARY: summaryFile},
      })
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stdout).to.contain('○ create-snapshot: Create the DB snapshot, tagged with the run id — planned (dry run): would call rds:CreateDBSnapshot')
      const {readFile} = await import('node:fs/promises')
      const junit = await readFile(`${dir}/r.xml`, 'utf8')
      expect(junit)
        .to.match(/<testcase name="check-instance"/)
        .and.to.match(/<testcase name="create-snapshot"[^>]*>\s*<skipped/)
      expect(await readFile(`${dir}/s.md`, 'utf8')).to.contain('### opsctl snapshot-create: 📝 planned')
      expect(await readFile(summaryFile, 'utf8')).to.contain('### opsctl snapshot-create')
      const listed = parseJson(await opsctl(['snapshot', 'list', 'tenant-shard-001', '--json']))
      expect(listed.result.snapshots.filter((s: {type: string}) => s.type === 'manual')).to.deep.equal([])
    })

    it('lists runs and shows one with its steps and AWS request ids', async () => {
      await createDbInstance('tenant-shard-001')
      const created = parseJson(await opsctl(['snapshot', 'create', 'tenant-shard-001', '--json']))
      const list = await opsctl(['runs', 'list'])
      expect(list.stdout).to.contain(created.result.runId).and.to.contain('snapshot-create').and.to.contain('dbInstanceId=tenant-shard-001')
      const listJson = parseJson(await opsctl(['runs', 'list', '--json']))
      expectMatchesSchema(listJson, 'runs-list')
      const show = await opsctl(['runs', 'show', created.result.runId])
      expect(show.stdout).to.match(/^create-snapshot\s+succeeded/m)
      const step = await opsctl(['runs', 'show', created.result.runId, '--step', 'create-snapshot'])
      expect(step.stdout).to.match(/^RDS\.CreateDBSnapshot\s+\S+/m)
      const showJson = parseJson(await opsctl(['runs', 'show', created.result.runId, '--json']))
      expectMatchesSchema(showJson, 'runs-show')
    })

    it('resumes a run without taking a second snapshot', async () => {
      await createDbInstance('tenant-shard-001')
      const first = parseJson(await opsctl(['snapshot', 'create', 'tenant-shard-001', '--json']))
      // Make the journal look like the run died after creating the snapshot.
      const {readFile, writeFile} = await import('node:fs/promises')
      const file = `${process.env.OPSCTL_HOME}/runs/${first.result.runId}.json`
      const journal = JSON.parse(await readFile(file, 'utf8'))
      journal.status = 'running'
      journal.steps[2].status = 'running'
      await writeFile(file, JSON.stringify(journal))
      const resumed = await opsctl(['snapshot', 'create', 'tenant-shard-001', '--resume', first.result.runId, '--json'])
      expect(resumed.code, resumed.stdout + resumed.stderr).to.equal(0)
      const record = parseJson(resumed).result
      expect(record.steps.map((s: {status: string}) => s.status)).to.deep.equal(['skipped', 'skipped', 'succeeded'])
      const listed = parseJson(await opsctl(['snapshot', 'list', 'tenant-shard-001', '--json']))
      expect(listed.result.snapshots.filter((s: {type: string}) => s.type === 'manual')).to.have.length(1)
      const otherParameters = await opsctl(['snapshot', 'create', 'tenant-shard-001', '--snapshot-id', 'other', '--resume', first.result.runId])
      expect(otherParameters.code).to.equal(2)
      expect(otherParameters.stderr).to.match(/already succeeded|other parameters/)
    })
  })
})
