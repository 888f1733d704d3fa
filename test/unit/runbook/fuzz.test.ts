import {readdirSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {expect} from 'chai'
import {parse, stringify} from 'yaml'

import {parseRunbook} from '../../../src/lib/runbook/document.js'
import {validateRunbook} from '../../../src/lib/runbook/validate.js'

const dirs = ['../../fixtures/runbooks/valid/', '../../fixtures/runbooks/valid-aws-forms/', '../../../runbooks/'].map((d) =>
  fileURLToPath(new URL(d, import.meta.url)),
)
const seeds = dirs.flatMap((dir) =>
  readdirSync(dir)
    .filter((n) => /\.(ya?ml|json)$/.test(n))
    .map((n) => readFileSync(dir + n, 'utf8')),
)

/** A small deterministic PRNG (mulberry32), so a failing mutation can be replayed from its number. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const oddValues = [
  null,
  '',
  0,
  -1,
  1.5,
  true,
  'false',
  [],
  {},
  [''],
  [{}],
  'step:nowhere',
  '{{ }}',
  '{{ nope.Output }}',
  '{{ variable:x }}',
  '{{',
  'aws:createSnapshot',
  'aws:branch',
  'aws:loop',
  'PT',
  'x'.repeat(300),
  {And: []},
  {Not: {}},
  [[1]],
]

function mutateStructure(doc: unknown, next: () => number): unknown {
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)]
  const containers: (Record<string, unknown> | unknown[])[] = []
  const walk = (v: unknown) => {
    if (v && typeof v === 'object') {
      containers.push(v as Record<string, unknown>)
      for (const inner of Object.values(v)) walk(inner)
    }
  }
  walk(doc)
  for (let n = 1 + Math.floor(next() * 3); n > 0; n--) {
    const target = pick(containers)
    const keys = Object.keys(target)
    if (keys.length === 0) continue
    const key = pick(keys)
    const choice = next()
    if (Array.isArray(target)) {
      if (choice < 0.3) target.splice(Number(key), 1)
      else if (choice < 0.6) target.push(structuredClone(target[Number(key)]))
      else target[Number(key)] = pick(oddValues)
    } else if (choice < 0.3) delete target[key]
    else if (choice < 0.5) {
      target[`${key}x`] = target[key]
      delete target[key]
    } else target[key] = structuredClone(pick(oddValues))
  }
  return doc
}

function mutateText(text: string, next: () => number): string {
  const at = Math.floor(next() * text.length)
  const length = Math.floor(next() * 12)
  const insert = ['', ':', '- ', '{', '"', '\n  ', '{{ x }}', '\t', ']'][Math.floor(next() * 9)]
  return text.slice(0, at) + insert + text.slice(at + length)
}

describe('runbook validate (fuzz)', () => {
  it('never throws on 1,200 random mutations of valid documents: each is valid or gets positioned errors', function () {
    this.timeout(120_000)
    const next = random(20_260_101)
    let invalid = 0
    for (let i = 0; i < 1200; i++) {
      const seed = seeds[i % seeds.length]
      const text = next() < 0.5 ? mutateText(seed, next) : stringify(mutateStructure(parse(seed), next))
      let diagnostics: ReturnType<typeof validateRunbook>
      try {
        diagnostics = validateRunbook(parseRunbook(text, `mutation-${i}.yaml`))
      } catch (error) {
        throw new Error(`mutation ${i} raised ${(error as Error).stack}\n--- document ---\n${text}`)
      }
      for (const d of diagnostics) {
        expect(d.line, `mutation ${i}: ${d.message}`).to.be.at.least(1)
        expect(d.column).to.be.at.least(1)
        expect(d.fix).to.be.a('string').and.not.be.empty
      }
      if (diagnostics.some((d) => d.severity === 'error')) invalid++
    }
    // Most mutations break something; the test is meaningful only if they do.
    expect(invalid).to.be.greaterThan(600)
  })
})
