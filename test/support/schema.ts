import {readdirSync, readFileSync} from 'node:fs'

import {Ajv} from 'ajv'
import addFormats from 'ajv-formats'
import {expect} from 'chai'

const dir = new URL('../../schemas/', import.meta.url)
const ajv = new Ajv({allErrors: true, strict: false})
addFormats.default(ajv)
for (const file of [...readdirSync(dir), ...readdirSync(new URL('events/', dir)).map((f) => `events/${f}`)].filter((f) => f.endsWith('.json'))) {
  ajv.addSchema(JSON.parse(readFileSync(new URL(file, dir), 'utf8')))
}

/**
 * Asserts that a command's --json output is the envelope and its result matches the committed
 * schema `schemas/<schema>.json` (e.g. 'snapshot-create').
 */
export function expectMatchesSchema(output: unknown, schema: string): void {
  expectValid('envelope.json', output)
  expectValid(`${schema}.json`, (output as {result: unknown}).result)
}

function expectValid(id: string, value: unknown): void {
  const validate = ajv.getSchema(id)
  if (!validate) throw new Error(`no schema ${id} in schemas/`)
  expect(validate(value), `${id}: ${ajv.errorsText(validate.errors)}`).to.equal(true)
}

/** The file of an event's schema: schemas/events/<detail-type in kebab-case>.json ("Tenant Created": tenant-created.json). */
export const eventSchemaFile = (detailType: string) => `events/${detailType.toLowerCase().replace(/ /g, '-')}.json`

/**
 * Asserts that an event as EventBridge delivers it (read back from a rule's target: source, detail-type, detail, …)
 * matches the committed schema of its detail-type.
 */
export function expectEventMatchesSchema(event: {'detail-type': string}): void {
  expectValid(eventSchemaFile(event['detail-type']), event)
}
