import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {expect} from 'chai'

import {settleScan} from '../../../src/lib/cli/settle-scan.js'
import type {OutputFormat} from '../../../src/lib/compliance/output/index.js'
import {count} from '../../../src/lib/compliance/scan.js'
import type {ComplianceResult, Finding} from '../../../src/lib/compliance/types.js'
import type {OpsctlError} from '../../../src/lib/errors/errors.js'
import {ExitCode} from '../../../src/lib/errors/exit-codes.js'
import {registerSecret} from '../../../src/lib/secrets/secrets.js'

const SECRET = 'canary-settle-scan-7f3e9a'

const finding = (over: Partial<Finding>): Finding => ({
  checkId: 'rds-storage-encrypted',
  title: 'RDS DB instances encrypt their storage',
  service: 'rds',
  severity: 'high',
  status: 'FAIL',
  accountId: '123456789012',
  region: 'us-east-1',
  resourceType: 'AWS::RDS::DBInstance',
  resourceId: 'legacy-reporting',
  reason: 'DB instance legacy-reporting does not encrypt its storage.',
  ...over,
})

function scan(verdict: ComplianceResult['verdict'], findings: Finding[] = [finding({})]): ComplianceResult {
  const totals = count(findings)
  return {
    accountId: '123456789012',
    regions: ['us-east-1'],
    startedAt: '2026-11-23T19:25:15.123Z',
    durationMs: 1200,
    failOn: 'informational',
    verdict,
    totals,
    checks: [{id: 'rds-storage-encrypted', title: 'RDS DB instances encrypt their storage', service: 'rds', severity: 'high', ...totals}],
    findings,
  }
}

const passed = () => scan('passed', [finding({status: 'PASS', reason: 'DB instance legacy-reporting encrypts its storage.'})])
const incomplete = () =>
  scan('incomplete', [
    finding({status: 'ERROR', resourceType: 'AWS::Region', resourceId: 'us-east-1', reason: 'Could not read the rds inventory of us-east-1.'}),
  ])

/** settleScan with what it said and warned kept, and what it threw (or returned). */
async function settle(result: ComplianceResult, options: {format?: OutputFormat; output?: string; verdictShown?: boolean} = {}) {
  const said: string[] = []
  const warned: string[] = []
  const outcome = await settleScan(result, {
    format: options.format ?? 'table',
    output: options.output,
    verdictShown: options.verdictShown ?? false,
    say: (text) => said.push(text),
    warn: (message) => warned.push(message),
  }).then(
    (value) => ({value, error: undefined}),
    (error: OpsctlError) => ({value: undefined, error}),
  )
  return {...outcome, said, warned}
}

const folder = () => mkdtempSync(join(tmpdir(), 'opsctl-settle-scan-'))

describe('settleScan: the end of a compliance scan', () => {
  let stepSummary: string | undefined
  beforeEach(() => {
    stepSummary = process.env.GITHUB_STEP_SUMMARY
    delete process.env.GITHUB_STEP_SUMMARY
  })
  afterEach(() => {
    if (stepSummary === undefined) delete process.env.GITHUB_STEP_SUMMARY
    else process.env.GITHUB_STEP_SUMMARY = stepSummary
  })

  it('returns a passed scan (exit 0) and says nothing when no report file is asked for', async () => {
    const result = passed()
    const {value, error, said, warned} = await settle(result)
    expect(error).to.equal(undefined)
    expect(value).to.equal(result)
    expect(said).to.deep.equal([])
    expect(warned).to.deep.equal([])
  })

  it('turns a failed scan into exit 3 (Findings), with the verdict sentence and the whole result', async () => {
    const result = scan('failed')
    const {error} = await settle(result)
    expect(error).to.include({
      exitCode: ExitCode.Findings,
      code: 'Findings',
      message: 'FAILED: 1 unmuted finding(s) at or above informational; fix them or mute them with a reason in a mutelist.',
    })
    expect(error!.result).to.equal(result)
  })

  it('turns an incomplete scan into exit 1 (ScanIncomplete), with the whole result', async () => {
    const result = incomplete()
    const {error} = await settle(result)
    expect(error).to.include({exitCode: ExitCode.WorkflowFailed, code: 'ScanIncomplete'})
    expect(error!.message).to.match(/^INCOMPLETE: 1 check\(s\) could not read all they need/)
    expect(error!.result).to.equal(result)
  })

  it('marks the error as shown on stdout when the verdict line was printed with the table, so a terminal shows it once', async () => {
    for (const result of [scan('failed'), incomplete()]) {
      expect((await settle(result, {verdictShown: true})).error).to.include({shownOnStdout: true})
      expect((await settle(result, {verdictShown: false})).error).to.include({shownOnStdout: false})
    }
  })

  it('writes the chosen format to --output with secrets masked and no terminal control characters, and says where', async () => {
    registerSecret(SECRET)
    const output = join(folder(), 'report.csv')
    const {error, said, warned} = await settle(scan('failed', [finding({reason: `DB instance \u001B[31mlegacy\u001B[39m leaks ${SECRET}.`})]), {
      format: 'csv',
      output,
    })
    expect(error).to.include({exitCode: ExitCode.Findings})
    const written = readFileSync(output, 'utf8')
    expect(written).to.match(/^status,severity,check_id,/)
    expect(written).to.contain('DB instance legacy leaks ***.')
    expect(written).not.to.contain(SECRET)
    expect(written).not.to.contain('\u001B')
    expect(said).to.deep.equal([`Wrote the csv report to ${output}.`])
    expect(warned).to.deep.equal([])
  })

  it('appends the Markdown summary to $GITHUB_STEP_SUMMARY, after what earlier steps wrote', async () => {
    process.env.GITHUB_STEP_SUMMARY = join(folder(), 'summary.md')
    writeFileSync(process.env.GITHUB_STEP_SUMMARY, '## earlier step\n')
    await settle(scan('failed'))
    expect(readFileSync(process.env.GITHUB_STEP_SUMMARY, 'utf8')).to.match(/^## earlier step\n### opsctl compliance check: ❌ failed/)
  })

  it('keeps the verdict when the report cannot be written after all, and warns instead of saying it was written', async () => {
    const output = join(folder(), 'report-is-a-folder')
    mkdirSync(output)
    const {error, said, warned} = await settle(scan('failed'), {format: 'sarif', output})
    expect(error).to.include({exitCode: ExitCode.Findings, code: 'Findings'})
    expect(warned).to.have.length(1)
    expect(warned[0]).to.match(new RegExp(`^Could not write the sarif report to ${output} \\(EISDIR`))
    expect(said).to.deep.equal([])
  })

  it('keeps a passed verdict when the GitHub step summary cannot be written, with a warning', async () => {
    process.env.GITHUB_STEP_SUMMARY = folder()
    const output = join(folder(), 'report.json')
    const {value, error, said, warned} = await settle(passed(), {format: 'json', output})
    expect(error).to.equal(undefined)
    expect(value!.verdict).to.equal('passed')
    expect(JSON.parse(readFileSync(output, 'utf8')).verdict).to.equal('passed')
    expect(said).to.deep.equal([`Wrote the json report to ${output}.`])
    expect(warned).to.have.length(1)
    expect(warned[0]).to.match(/^Could not write the GitHub step summary to .* \(EISDIR/)
  })
})
