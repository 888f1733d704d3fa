import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {expect} from 'chai'

import {opsctl} from '../support/cli.js'

describe('secrets never reach output (e2e)', () => {
  it('keeps a password parameter out of the terminal, the JSON, the journal and the reports', async () => {
    const home = process.env.OPSCTL_HOME!
    const secret = 'hunter2-Correct-Horse-Battery'
    const file = join(home, 'secret.yaml')
    writeFileSync(file, `schemaVersion: '0.3'
description: Takes a password and does nothing with it.
parameters:
  DbPassword:
    type: String
    description: The database password.
mainSteps:
  - name: pause
    action: aws:sleep
    inputs: {Duration: PT0S}
`)
    const plain = await opsctl(['runbook', 'run', file, '-p', `DbPassword=${secret}`, '--junit', join(home, 'r.xml'), '--summary', join(home, 's.md')])
    const json = await opsctl(['runbook', 'run', file, '-p', `DbPassword=${secret}`, '--json'])
    expect(plain.code, plain.stderr).to.equal(0)
    expect(json.code, json.stderr).to.equal(0)
    const journals = readdirSync(join(home, 'runs')).map((name) => readFileSync(join(home, 'runs', name), 'utf8'))
    expect(journals).to.have.length(2)
    const shown = await opsctl(['runs', 'list'])
    for (const text of [plain.stdout, plain.stderr, json.stdout, json.stderr, shown.stdout, ...journals, readFileSync(join(home, 'r.xml'), 'utf8'), readFileSync(join(home, 's.md'), 'utf8')]) {
      expect(text).not.to.contain(secret)
    }
    expect(journals[0]).to.contain('"DbPassword": "***"')
  })
})
