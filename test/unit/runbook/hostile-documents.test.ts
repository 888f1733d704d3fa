import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {expect} from 'chai'

import {documentLimits, loadRunbookFile, parseRunbook} from '../../../src/lib/runbook/document.js'
import {resolveParameters} from '../../../src/lib/runbook/parameters.js'
import {referencesIn} from '../../../src/lib/runbook/references.js'
import {formatDiagnostic, validateRunbook} from '../../../src/lib/runbook/validate.js'

const sleepStep = '  - {name: only, action: aws:sleep, inputs: {Duration: PT1S}}'
const document = (...lines: string[]) => `${["schemaVersion: '0.3'", ...lines].join('\n')}\n`
const problems = (text: string, file = 'hostile.yaml') => validateRunbook(parseRunbook(text, file)).map(formatDiagnostic)

/** A value for ^(a+)+$ that a backtracking engine takes minutes to refuse (the time doubles with each "a"). */
const backtrackingValue = `${'a'.repeat(40)}!`

describe('hostile runbooks are refused with file:line:column, and cannot hang opsctl', () => {
  it('refuses a document larger than the limit where the limit is crossed, without parsing it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'opsctl-hostile-')), 'huge.yaml')
    const line = `# ${'x'.repeat(1021)}\n`
    writeFileSync(file, document(`description: big`, sleepStep) + line.repeat(Math.ceil(documentLimits.bytes / line.length) + 10))
    const runbook = await loadRunbookFile(file)
    expect(runbook.document).to.equal(undefined)
    const [refusal] = validateRunbook(runbook)
    expect(refusal).to.include({severity: 'error', rule: 'document-size'})
    expect(refusal.message).to.match(/^The document is 5\.0 MB, more than the 5\.0 MB opsctl reads/)
    // The limit falls inside the comment lines that follow the 4 lines of the document.
    expect(refusal.line).to.be.greaterThan(4)
    expect(runbook.text.length).to.be.at.most(documentLimits.bytes)
  })

  it('warns (and only warns) about a document larger than the 64 KB SSM accepts', () => {
    const text = document('mainSteps:', sleepStep, `  - {name: second, action: aws:sleep, inputs: {Duration: PT1S}, description: '${'x'.repeat(70 * 1024)}'}`)
    expect(problems(text)).to.deep.equal([
      'hostile.yaml:1:1: warning: The document is 71 KB, more than the 64 KB SSM accepts as the content of an Automation document. Fix: split it into documents that call each other with aws:executeAutomation. [document-size]',
    ])
  })

  for (const [format, text, at] of [
    ['YAML flow lists', document('mainSteps:', sleepStep, `x: ${'['.repeat(1000)}${']'.repeat(1000)}`), '4:67'],
    ['YAML block mappings', document('mainSteps:', sleepStep, ...Array.from({length: 1000}, (_, i) => `${' '.repeat(i)}k${i}:`)), '67:64'],
    ['JSON', `{"schemaVersion": "0.3", "mainSteps": [], "x": ${'['.repeat(5000)}${']'.repeat(5000)}}`, '1:110'],
  ]) {
    it(`refuses nesting deeper than the limit in ${format} at the place, instead of "Maximum call stack size exceeded"`, () => {
      const [refusal, ...rest] = problems(text)
      expect(rest).to.deep.equal([])
      expect(refusal).to.equal(
        `hostile.yaml:${at}: error: Mappings and lists nest more than 64 levels deep here. Fix: flatten the structure; Automation documents need a dozen levels at most. [nesting-depth]`,
      )
    })
  }

  it('refuses a YAML alias bomb at the alias where the expansion crosses the limit', () => {
    const levels = 'abcdefghi'.split('')
    const bomb = document(
      `${levels[0]}: &${levels[0]} [lol, lol, lol, lol, lol, lol, lol, lol, lol]`,
      ...levels.slice(1).map((name, i) => `${name}: &${name} [${Array(9).fill(`*${levels[i]}`).join(', ')}]`),
      'mainSteps:',
      sleepStep,
    )
    expect(problems(bomb)).to.deep.equal([
      'hostile.yaml:6:8: error: YAML aliases expand the document by more than 10,000 nodes by here (this alias alone adds 7,381). Fix: write the values out, or use fewer aliases: an alias of an alias multiplies the document. [alias-expansion]',
    ])
  })

  it('keeps aliases that add little, and refuses one that nests past the limit once expanded', () => {
    const tagged = (name: string, tags: string) => `  - {name: ${name}, action: aws:createTags, inputs: {ResourceIds: [i-1], Tags: ${tags}}}`
    expect(problems(document('mainSteps:', tagged('first', '&tags [{Key: team, Value: platform}]'), tagged('second', '*tags')))).to.deep.equal([])
    const deep = `&deep ${'['.repeat(40)}1${']'.repeat(40)}`
    const text = document(
      'mainSteps:',
      sleepStep.replace('PT1S}', `PT1S, X: ${deep}}`),
      sleepStep.replace('only', 'next').replace('PT1S}', `PT1S, X: ${'['.repeat(30)}*deep${']'.repeat(30)}}`),
    )
    expect(problems(text)).to.deep.equal([
      'hostile.yaml:4:95: error: Mappings and lists nest more than 64 levels deep once this alias is expanded. Fix: flatten the structure; Automation documents need a dozen levels at most. [nesting-depth]',
    ])
  })

  it('refuses an alias inside the node it refers to, and a key given twice, as syntax errors at their place', () => {
    expect(problems(document('x: &loop [1, *loop]', 'mainSteps: []'))[0]).to.equal(
      'hostile.yaml:2:14: error: The document cannot be parsed: an alias refers to the node that contains it. Fix: anchor the node outside of the alias. [syntax]',
    )
    expect(problems(document('mainSteps:', '  - name: a', '    action: aws:sleep', '    name: b'))).to.deep.equal([
      'hostile.yaml:5:5: error: The document cannot be parsed: this key appears twice in one mapping. Fix: remove or rename one of them. [syntax]',
    ])
  })

  it('checks a default against ^(a+)+$ in linear time (a backtracking engine would take hours)', () => {
    const text = document('parameters:', `  P: {type: String, allowedPattern: '^(a+)+$', default: '${backtrackingValue}'}`, 'mainSteps:', sleepStep)
    expect(problems(text)).to.deep.equal([
      `hostile.yaml:3:57: warning: The default of P ("${backtrackingValue}") does not match its allowedPattern ^(a+)+$; a run that does not give P may be refused. Fix: change the default or the pattern. [default-not-allowed]`,
    ])
  })

  it('checks a -p value against ^(a+)+$ in linear time, and quotes a long value shortened', () => {
    const {document: doc} = parseRunbook(document('parameters:', "  P: {type: String, allowedPattern: '^(a+)+$'}", 'mainSteps:', sleepStep), 'p.yaml')
    const crafted = `${'a'.repeat(100_000)}!`
    expect(() => resolveParameters(doc!, {P: crafted})).to.throw(`Parameter P is "${'a'.repeat(40)}…" (100,001 characters), which does not match ^(a+)+$.`)
    expect(resolveParameters(doc!, {P: 'aaaa'})).to.deep.equal({P: 'aaaa'})
  })

  it('warns about a pattern RE2 cannot evaluate (lookarounds, backreferences) and leaves those values to SSM', () => {
    const {document: doc, ...runbook} = parseRunbook(
      document('parameters:', "  P: {type: String, allowedPattern: '^(?=x)x$'}", 'mainSteps:', sleepStep),
      'p.yaml',
    )
    expect(validateRunbook({...runbook, document: doc}).map((d) => `${d.severity} ${d.rule}`)).to.deep.equal(['warning allowed-pattern'])
    expect(resolveParameters(doc!, {P: 'anything'})).to.deep.equal({P: 'anything'})
  })

  it('finds {{ }} references in one pass, also in a long "{{" that never closes', () => {
    expect(referencesIn(`{{${' '.repeat(2_000_000)}`)).to.deep.equal([])
    expect(referencesIn(`${'{{'.repeat(500_000)} x }}`).map((r) => r.text)).to.deep.equal(['x'])
    expect(referencesIn('{{{ a }} {{ b.c }} {{ d } }}').map((r) => r.text)).to.deep.equal(['a', 'b.c'])
  })

  it('reports 40,000 unknown keys one by one, and thousands of jumps to unknown steps, each with a fix', () => {
    const keys = document(
      'mainSteps:',
      '  - name: only',
      '    action: aws:sleep',
      '    inputs: {Duration: PT1S}',
      ...Array.from({length: 40_000}, (_, i) => `    unknown${i}: x`),
    )
    const [size, ...found] = problems(keys)
    expect(size).to.match(/warning: The document is \d+ KB, more than the 64 KB SSM accepts/)
    expect(found).to.have.length(40_000)
    expect(found.at(-1)).to.match(/^hostile\.yaml:40005:5: warning: Unknown field unknown39999 in step only\. Fix: remove it, or the fields are name, action/)
    const jumps = document(
      'mainSteps:',
      ...Array.from({length: 5000}, (_, i) => `  - {name: step${i}, action: aws:sleep, inputs: {Duration: PT1S}, nextStep: stpe${i}}`),
    )
    const unknown = validateRunbook(parseRunbook(jumps, 'jumps.yaml')).filter((d) => d.rule === 'unknown-step')
    expect(unknown).to.have.length(5000)
    expect(unknown[0].fix).to.equal('did you mean step0?')
    // "did you mean" has a budget: past it, the fix lists step names instead of comparing with all of them.
    expect(unknown.at(-1)!.fix).to.match(/^the steps are step0, step1/)
  })
})
