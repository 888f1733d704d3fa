import {readdirSync, readFileSync} from 'node:fs'

import {Ajv} from 'ajv'
import addFormats from 'ajv-formats'
import {expect} from 'chai'

const dir = new URL('../../schemas/', import.meta.url)
const ajv = new Ajv({allErrors: true, strict: false})
addFormats.default(ajv)
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  ajv.addSchema(JSON.parse(readFileSync(new URL(file, dir), 'utf8')))
}

/**
 * Asserts that a command's --json output is the envelope and its result matches the committed
 * schema `schemas/<schema>.json` (e.g. 'snapshot-create').
 */
export function expectMatchesSchema(output: unknown, schema: string): void {
  const check = (id: string, value: unknown) => {
    const validate = ajv.getSchema(id)
    if (!validate) throw new Error(`no schema ${id} in schemas/`)
    expect(validate(value), `${id}: ${ajv.errorsText(validate.errors)}`).to.equal(true)
  }
  check('envelope.json', output)
  check(`${schema}.json`, (output as {result: unknown}).result)
}
