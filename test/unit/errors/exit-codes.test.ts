import {readFileSync} from 'node:fs'

import {expect} from 'chai'

import {exitCodeMeanings} from '../../../src/lib/errors/exit-codes.js'

describe('exit codes', () => {
  it('are documented in the README exactly as the code defines them', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
    for (const [code, meaning] of Object.entries(exitCodeMeanings)) {
      expect(readme, `exit code ${code}`).to.contain(`| ${code} | ${meaning}`)
    }
  })
})
