import {spawnSync} from 'node:child_process'
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {expect} from 'chai'

import {type PatchScanOutcome, parsePackage, versionScript} from '../../../src/lib/patch/scan.js'
import {renderPatchScan} from '../../../src/lib/patch/scan-render.js'
import {formatVersion, versionFromOutput} from '../../../src/lib/patch/version.js'

/** Runs the read-only version script under /bin/sh with stand-ins for rpm, dpkg-query and psql that print what a server would. */
function runVersionScript(tools: {rpm?: string; dpkg?: {versioned?: string; plain?: string}; psql?: string}, pkg = 'postgresql') {
  const bin = mkdtempSync(join(tmpdir(), 'opsctl-scan-'))
  try {
    const tool = (name: string, output: string | undefined) => {
      const file = join(bin, name)
      // A tool that is not there prints nothing and fails, as "command not found" does.
      writeFileSync(file, output === undefined ? '#!/bin/sh\nexit 127\n' : `#!/bin/sh\ncat <<'OUT'\n${output}\nOUT\n`)
      chmodSync(file, 0o755)
    }
    tool('rpm', tools.rpm)
    // dpkg-query -W -f FORMAT PATTERN answers for the pattern asked: postgresql-[0-9]* or postgresql itself.
    const dpkg = tools.dpkg ?? {}
    writeFileSync(
      join(bin, 'dpkg-query'),
      `#!/bin/sh\ncase "$4" in\n'${pkg}-[0-9]*') cat <<'OUT'\n${dpkg.versioned ?? ''}\nOUT\n;;\n'${pkg}') cat <<'OUT'\n${dpkg.plain ?? ''}\nOUT\n;;\nesac\n`,
    )
    chmodSync(join(bin, 'dpkg-query'), 0o755)
    tool('psql', tools.psql)
    const run = spawnSync('/bin/sh', ['-c', versionScript(pkg)], {env: {PATH: `${bin}:/usr/bin:/bin`}, encoding: 'utf8'})
    const version = versionFromOutput(run.stdout, pkg)
    return {status: run.status, stdout: run.stdout.trim(), version: version && formatVersion(version)}
  } finally {
    rmSync(bin, {recursive: true, force: true})
  }
}

describe('the read-only version script', () => {
  it('reads rpm: the server or main package, not its libraries, the lowest when two are installed', () => {
    const rpm = [
      'postgresql15-private-libs-15.8-1.amzn2023.x86_64',
      'postgresql15-server-15.8-1.amzn2023.x86_64',
      'postgresql14-14.12-1.x86_64',
      'postgresql15-15.8-1.amzn2023.x86_64',
    ].join('\n')
    expect(runVersionScript({rpm, psql: 'psql (PostgreSQL) 16.1'})).to.deep.equal({status: 0, stdout: 'postgresql14-14.12-1.x86_64', version: '14.12'})
  })

  it("reads dpkg's installed versioned package, not the metapackage nor one removed", () => {
    const dpkg = {versioned: ['ii  postgresql-15 15.8-1.pgdg22.04+1', 'rc  postgresql-13 13.2-1'].join('\n'), plain: 'ii  postgresql 14+238'}
    expect(runVersionScript({dpkg})).to.deep.equal({status: 0, stdout: '15.8-1.pgdg22.04+1', version: '15.8'})
    // A package without versioned names is read by its own name.
    expect(runVersionScript({dpkg: {plain: 'ii  pgbouncer 1.22.1-1'}}, 'pgbouncer').version).to.equal('1.22.1')
  })

  it('falls back to psql --version', () => {
    expect(runVersionScript({psql: 'psql (PostgreSQL) 15.10'})).to.deep.equal({status: 0, stdout: 'psql (PostgreSQL) 15.10', version: '15.10'})
  })

  it('fails saying the package is not installed when no tool knows it', () => {
    expect(runVersionScript({rpm: ''})).to.deep.equal({
      status: 1,
      stdout: 'postgresql is not installed (rpm, dpkg-query and psql know none)',
      version: undefined,
    })
  })

  it('takes only a package name that is safe in a shell script and a compliance type', () => {
    expect(parsePackage('postgresql')).to.equal('postgresql')
    for (const text of ["x'; rm -rf /", 'PostgreSQL', 'postgresql*', '', '-x', 'a'.repeat(64)])
      expect(() => parsePackage(text), text)
        .to.throw(`--package "${text}" is not a package name; write it like postgresql (lower-case letters, digits and dashes).`)
        .with.property('exitCode', 2)
  })
})

const instance = (id: string, more: Partial<PatchScanOutcome['instances'][number]>) => ({
  instanceId: id,
  name: '',
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  shards: [],
  tenants: [],
  verdict: 'unknown' as const,
  ...more,
})

const outcome: PatchScanOutcome = {
  package: 'postgresql',
  minVersion: '15.8',
  complianceType: 'Custom:opsctl-postgresql',
  complianceWritten: true,
  tenantStore: {table: 'opsctl-tenants', region: 'us-east-1', found: true},
  commands: [{region: 'us-east-1', commandId: 'c-1', instances: 2}],
  instances: [
    instance('i-0aaaaaaaaaaaaaaa1', {
      name: 'pg-1',
      shards: ['jira-us-1'],
      tenants: ['acme', 'globex'],
      version: '15.10',
      source: 'inventory',
      verdict: 'compliant',
    }),
    instance('i-0aaaaaaaaaaaaaaa2', {name: 'pg-2', version: '15.4', source: 'run-command', verdict: 'non-compliant'}),
    instance('i-0aaaaaaaaaaaaaaa3', {name: 'pg-3', reason: 'Run Command Failed: postgresql is not installed'}),
  ],
  counts: {compliant: 1, 'non-compliant': 1, unknown: 1},
}

describe('patch scan on a terminal', () => {
  it('shows a table an instance, what could not be read, where versions came from, compliance and tenants', () => {
    expect(renderPatchScan(outcome, {width: 120, dryRun: false})).to.equal(
      [
        'INSTANCE             NAME  REGION     SHARDS     TENANTS       VERSION  VERDICT',
        '-------------------  ----  ---------  ---------  ------------  -------  -------------',
        'i-0aaaaaaaaaaaaaaa1  pg-1  us-east-1  jira-us-1  acme, globex  15.10    compliant',
        'i-0aaaaaaaaaaaaaaa2  pg-2  us-east-1                           15.4     non-compliant',
        'i-0aaaaaaaaaaaaaaa3  pg-3  us-east-1                           unknown  unknown',
        '',
        'i-0aaaaaaaaaaaaaaa3: version unknown: Run Command Failed: postgresql is not installed',
        '3 instance(s) in us-east-1: 1 at or above postgresql 15.8, 1 below, 1 unknown.',
        'Versions from SSM Inventory for 1, from a read-only Run Command for 1 (1 command).',
        'SSM Compliance: written as Custom:opsctl-postgresql, unknown versions left as they were.',
        'Tenants read from opsctl-tenants in us-east-1.',
      ].join('\n'),
    )
  })

  it('cuts the shards and tenants to fit, never the id, version or verdict', () => {
    const lines = renderPatchScan(outcome, {width: 77, dryRun: false}).split('\n')
    expect(lines[2]).to.equal('i-0aaaaaaaaaaaaaaa1  pg-1  us-east-1  jira-…  acme, …  15.10    compliant')
    expect(Math.max(...lines.slice(0, 5).map((l) => l.length))).to.be.at.most(77)
  })

  it('says when compliance was not written and when there is no tenant table', () => {
    const text = renderPatchScan({...outcome, complianceWritten: false, tenantStore: {...outcome.tenantStore, found: false}}, {width: 120, dryRun: true})
    expect(text).to.contain('SSM Compliance: not written (dry run).')
    expect(text).to.contain('No tenant table opsctl-tenants in us-east-1: no tenants shown (pass --table / --home-region).')
    expect(renderPatchScan({...outcome, complianceWritten: false}, {width: 120, dryRun: false})).to.contain('SSM Compliance: not written (--no-compliance).')
  })
})
