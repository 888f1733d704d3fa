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

describe('runbook validate', () => {
  describe('documents that SSM accepts validate without errors or warnings', () => {
    for (const file of [...filesIn(`${fixtures}valid/`), ...filesIn(shipped)]) {
      it(file.replace(/.*\/(runbooks|fixtures)\//, '$1/'), async () => {
        const diagnostics = validateRunbook(await loadRunbookFile(file))
        expect(diagnostics.map(formatDiagnostic)).to.deep.equal([])
      })
    }
  })

  describe('each rule reports file:line:column and a fix', () => {
    for (const file of filesIn(`${fixtures}invalid/`)) {
      const expectations = [...readFileSync(file, 'utf8').matchAll(/^# expect: (error|warning) ([a-z-]+) (\d+):(\d+)(?: (.*))?$/gm)]
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
