import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {expect} from 'chai'

import {opsctl, parseJson} from '../../support/cli.js'
import {expectMatchesSchema} from '../../support/schema.js'

const dir = mkdtempSync(join(tmpdir(), 'opsctl-hostile-e2e-'))
const write = (name: string, text: string) => {
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}
const head = "schemaVersion: '0.3'\n"
const sleep = 'mainSteps:\n  - {name: only, action: aws:sleep, inputs: {Duration: PT1S}}\n'
const levels = 'abcdefghi'.split('')
const hostile = {
  'an alias bomb': [
    write(
      'bomb.yaml',
      head +
        `${levels[0]}: &${levels[0]} [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n` +
        levels
          .slice(1)
          .map((name, i) => `${name}: &${name} [${Array(9).fill(`*${levels[i]}`).join(', ')}]\n`)
          .join('') +
        sleep,
    ),
    /bomb\.yaml:6:8: error: YAML aliases expand the document by more than 10,000 nodes/,
  ],
  'nesting 1,000 levels deep': [
    write('deep.json', `{"schemaVersion": "0.3", "mainSteps": [], "x": ${'['.repeat(1000)}${']'.repeat(1000)}}`),
    /deep\.json:1:110: error: Mappings and lists nest more than 64 levels deep here/,
  ],
  'a 6 MB document': [
    write('huge.yaml', `${head + sleep}# ${'x'.repeat(6 * 1024 * 1024)}\n`),
    /huge\.yaml:4:\d+: error: The document is 6\.0 MB, more than the 5\.0 MB opsctl reads/,
  ],
} as const

describe('hostile runbooks through the commands (e2e)', () => {
  for (const [what, [file, diagnostic]] of Object.entries(hostile)) {
    it(`runbook validate, plan and run refuse ${what} with exit 2 and file:line:column`, async () => {
      const validated = await opsctl(['runbook', 'validate', file, '--json'])
      expect(validated.code, validated.stderr).to.equal(2)
      const envelope = parseJson(validated)
      expectMatchesSchema(envelope, 'runbook-validate')
      expect(envelope.error!.code).to.equal('InvalidRunbook')
      expect(validated.stderr).to.equal('')
      for (const command of ['plan', 'run', 'iam']) {
        const refused = await opsctl(['runbook', command, file])
        expect(refused.code, `${command}: ${refused.stderr}`).to.equal(2)
        expect(refused.stderr).to.match(/^Error: Runbook .* is not valid; nothing was run:\n/)
        expect(refused.stderr).to.match(diagnostic)
        expect(refused.stderr).not.to.match(/Maximum call stack|resource exhaustion|at .*\.js:\d+/)
      }
    })
  }

  it('runbook plan refuses a -p value that ^(a+)+$ would backtrack on, at once and in one sentence', async () => {
    const file = write('pattern.yaml', `${head}parameters:\n  P: {type: String, allowedPattern: '^(a+)+$', default: aaa}\n${sleep}`)
    const result = await opsctl(['runbook', 'plan', file, '-p', `P=${'a'.repeat(50_000)}!`])
    expect(result.code).to.equal(2)
    expect(result.stderr.trim()).to.equal(`Error: Parameter P is "${'a'.repeat(40)}…" (50,001 characters), which does not match ^(a+)+$.`)
  })
})
