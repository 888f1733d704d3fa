import {readdirSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {expect} from 'chai'

import {loadRunbookFile, parseRunbook} from '../../../src/lib/runbook/document.js'
import {formatDiagnostic, validateFiles, validateRunbook} from '../../../src/lib/runbook/validate.js'

const fixtures = fileURLToPath(new URL('../../fixtures/runbooks/', import.meta.url))
const shipped = fileURLToPath(new URL('../../../runbooks/', import.meta.url))
const filesIn = (dir: string) =>
  readdirSync(dir)
    .filter((n) => /\.(ya?ml|json)$/.test(n))
    .map((n) => `${dir}${n}`)

/** The `# expect: <severity> <rule> <line>:<column> [text]` comments of a fixture. */
const expectationsIn = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^# expect: (error|warning) ([a-z-]+) (\d+):(\d+)(?: (.*))?$/gm)]

describe('runbook validate', () => {
  describe('documents that SSM accepts validate without errors or warnings', () => {
    for (const file of [...filesIn(`${fixtures}valid/`), ...filesIn(shipped)]) {
      it(file.replace(/.*\/(runbooks|fixtures)\//, '$1/'), async () => {
        const diagnostics = validateRunbook(await loadRunbookFile(file))
        expect(diagnostics.map(formatDiagnostic)).to.deep.equal([])
      })
    }
  })

  describe('forms SSM accepts and AWS-owned documents use are not errors; the doubtful ones are warnings, stated in each file', () => {
    for (const file of filesIn(`${fixtures}valid-aws-forms/`)) {
      it(file.replace(/.*\//, ''), async () => {
        const stated = expectationsIn(file).map(([, severity, rule, line, column]) => `${severity} ${rule} ${line}:${column}`)
        const diagnostics = validateRunbook(await loadRunbookFile(file))
        expect(
          diagnostics.map((d) => `${d.severity} ${d.rule} ${d.line}:${d.column}`),
          diagnostics.map(formatDiagnostic).join('\n'),
        ).to.deep.equal(stated)
      })
    }

    it('holds at least 40 documents, in JSON and in YAML', () => {
      const files = filesIn(`${fixtures}valid-aws-forms/`)
      expect(files.length).to.be.at.least(40)
      expect(files.filter((f) => f.endsWith('.json')).length).to.be.at.least(10)
      expect(files.filter((f) => f.endsWith('.yaml')).length).to.be.at.least(10)
    })
  })

  it('has a fixture that breaks each rule the validator reports', () => {
    const source = fileURLToPath(new URL('../../../src/lib/runbook/', import.meta.url))
    const reported = new Set(
      readdirSync(source, {recursive: true})
        .map(String)
        .filter((f) => f.endsWith('.ts'))
        .flatMap((f) => [...readFileSync(`${source}${f}`, 'utf8').matchAll(/\b(?:error|warning|warnAboutFile)\(\s*'([a-z-]+)'/g)].map((m) => m[1])),
    )
    const broken = new Set(filesIn(`${fixtures}invalid/`).flatMap((file) => expectationsIn(file).map((e) => e[2])))
    // document-size needs a file above 64 KB: hostile-documents.test.ts builds one.
    expect([...reported].filter((rule) => !broken.has(rule) && rule !== 'document-size')).to.deep.equal([])
  })

  describe('each rule reports file:line:column and a fix', () => {
    for (const file of filesIn(`${fixtures}invalid/`)) {
      const expectations = expectationsIn(file)
      it(`${file.replace(/.*\//, '')}: ${expectations.map((e) => e[2]).join(', ')}`, async () => {
        expect(expectations, 'the fixture states what it expects').to.not.be.empty
        const diagnostics = validateRunbook(await loadRunbookFile(file))
        for (const [, severity, rule, line, column, text] of expectations) {
          const found = diagnostics.find((d) => d.rule === rule && d.line === Number(line) && d.column === Number(column))
          expect(found, `${rule} at ${line}:${column} among\n${diagnostics.map(formatDiagnostic).join('\n')}`).to.exist
          expect(found!.severity).to.equal(severity)
          expect(found!.fix).to.not.be.empty
          if (text) expect(`${found!.message} ${found!.fix}`).to.contain(text)
        }
      })
    }
  })

  it('names the replacement for aws:createSnapshot', () => {
    const [diagnostic] = validateRunbook(
      parseRunbook("schemaVersion: '0.3'\nmainSteps:\n  - name: snap\n    action: aws:createSnapshot\n    inputs: {VolumeId: vol-1}\n", 'patch.yaml'),
    )
    expect(formatDiagnostic(diagnostic)).to.equal(
      'patch.yaml:4:13: error: Step snap uses aws:createSnapshot, which is not an Automation action. Fix: use aws:executeAwsApi with Service ec2 and Api CreateSnapshot [unknown-action]',
    )
  })

  it('keeps positions in JSON documents too', () => {
    const diagnostics = validateRunbook(
      parseRunbook(
        '{\n  "schemaVersion": "0.3",\n  "mainSteps": [\n    {"name": "a", "action": "aws:sleep", "inputs": {"Duration": "soon"}}\n  ]\n}\n',
        'doc.json',
      ),
    )
    expect(diagnostics.map((d) => `${d.rule} ${d.line}:${d.column}`)).to.deep.equal(['duration 4:65'])
  })

  it('validates every file of a directory and says which are valid', async () => {
    const results = await validateFiles([`${fixtures}valid`, `${fixtures}invalid/endless-loop.yaml`])
    expect(results.filter((r) => !r.valid).map((r) => r.file)).to.deep.equal([`${fixtures}invalid/endless-loop.yaml`])
    expect(results.length).to.equal(filesIn(`${fixtures}valid/`).length + 1)
  })

  it('refuses a path that does not exist as a usage error', async () => {
    const failure = await validateFiles(['no/such/dir']).catch((e) => e)
    expect(failure).to.include({exitCode: 2})
    expect(failure.message).to.contain('No file or directory no/such/dir')
  })
})
