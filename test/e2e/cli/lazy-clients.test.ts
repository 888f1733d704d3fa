import {existsSync, readFileSync} from 'node:fs'
import {dirname, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {expect} from 'chai'

const commands = fileURLToPath(new URL('../../../dist/commands/', import.meta.url))

/** The AWS SDK clients a built command module loads when it is loaded (its static imports, followed). */
function clientsLoadedBy(file: string, seen = new Set<string>()): Set<string> {
  const clients = new Set<string>()
  if (seen.has(file)) return clients
  seen.add(file)
  for (const [, clause, spec] of readFileSync(file, 'utf8').matchAll(/^import\s([^'"]*)['"]([^'"]+)['"]/gm)) {
    if (clause.startsWith('type ')) continue
    if (spec.startsWith('@aws-sdk/client-')) clients.add(spec)
    else if (spec.startsWith('.') && existsSync(resolve(dirname(file), spec))) {
      for (const client of clientsLoadedBy(resolve(dirname(file), spec), seen)) clients.add(client)
    }
  }
  return clients
}

describe('start-up: AWS SDK clients are loaded only by the commands that call AWS', () => {
  for (const command of [
    'runs/list',
    'runs/show',
    'backup/history',
    'failover/history',
    'compliance/list',
    'runbook/validate',
    'runbook/plan',
    'runbook/iam',
    'sandbox/start',
    'sandbox/stop',
    'sandbox/status',
    'sandbox/env',
  ]) {
    it(`${command.replace('/', ' ')} loads none`, () => {
      expect([...clientsLoadedBy(`${commands}${command}.js`)]).to.deep.equal([])
    })
  }

  it('snapshot create loads RDS only', () => {
    expect([...clientsLoadedBy(`${commands}snapshot/create.js`)]).to.deep.equal(['@aws-sdk/client-rds'])
  })
})
