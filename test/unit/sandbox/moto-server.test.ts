import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {expect} from 'chai'

import {UsageError} from '../../../src/lib/errors/errors.js'
import {findMotoServer} from '../../../src/lib/sandbox/moto-server.js'

describe('finding moto_server', () => {
  it('asks for Python 3 when neither moto_server nor python3 is on PATH, and installs nothing', async () => {
    const venvParent = mkdtempSync(join(tmpdir(), 'opsctl-no-python-'))
    const path = process.env.PATH
    const installs: string[] = []
    process.env.PATH = join(venvParent, 'empty')
    try {
      const error = await findMotoServer(venvParent, true, (venv) => installs.push(venv)).catch((error_: unknown) => error_)
      expect(error).to.be.instanceOf(UsageError)
      expect(error).to.include({exitCode: 2, code: 'PythonMissing'})
      expect((error as Error).message).to.match(/^The sandbox needs Python 3 to run moto_server, and python3 is not on PATH; install Python 3\.9 or newer/)
      expect(installs).to.deep.equal([])
    } finally {
      process.env.PATH = path
    }
  })
})
