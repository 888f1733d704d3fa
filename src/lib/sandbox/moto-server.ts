import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {existsSync, openSync} from 'node:fs'
import {mkdir} from 'node:fs/promises'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {OpsctlError, UsageError} from '../errors/errors.js'

const run = promisify(execFile)

export interface MotoCommand {
  command: string
  args: string[]
  /** How it was found, for status output: PATH, python module, or the venv opsctl made. */
  source: 'path' | 'python-module' | 'venv'
}

export interface MotoServer {
  pid: number
  port: number
  endpoint: string
  process: ChildProcess
}

/** A TCP port nothing listens on right now, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number}
      server.close(() => resolve(port))
    })
  })
}

async function succeeds(command: string, args: string[]): Promise<boolean> {
  try {
    await run(command, args, {timeout: 60_000})
    return true
  } catch {
    return false
  }
}

/**
 * Finds moto_server: on PATH, else as a module of python3, else in a virtual environment under
 * `venvParent` (created with pip when `install` is set; `onInstall` is told first, as that takes a minute).
 * Throws a usage error when Python is missing.
 */
export async function findMotoServer(venvParent: string, install: boolean, onInstall?: (venv: string) => void): Promise<MotoCommand> {
  if (await succeeds('moto_server', ['--help'])) return {command: 'moto_server', args: [], source: 'path'}
  const venv = join(venvParent, 'moto-venv')
  const venvPython = join(venv, 'bin', 'python')
  if (existsSync(venvPython) && (await succeeds(venvPython, ['-c', 'import moto.server']))) {
    return {command: venvPython, args: ['-m', 'moto.server'], source: 'venv'}
  }
  if (!(await succeeds('python3', ['--version']))) {
    throw new UsageError(
      'The sandbox needs Python 3 to run moto_server, and python3 is not on PATH; install Python 3.9 or newer and try again.',
      'PythonMissing',
    )
  }
  if (await succeeds('python3', ['-c', 'import moto.server'])) return {command: 'python3', args: ['-m', 'moto.server'], source: 'python-module'}
  if (!install)
    throw new UsageError(
      'moto_server is not installed; run "opsctl sandbox start", which installs it into a virtual environment under $OPSCTL_HOME.',
      'MotoMissing',
    )
  onInstall?.(venv)
  await mkdir(venvParent, {recursive: true})
  try {
    await run('python3', ['-m', 'venv', venv], {timeout: 120_000})
    await run(venvPython, ['-m', 'pip', 'install', '--quiet', 'moto[server]'], {timeout: 600_000})
  } catch (error) {
    throw new OpsctlError(
      `Could not install moto[server] into ${venv} (${(error as Error).message.split('\n')[0]}); install it yourself with "pip install 'moto[server]'".`,
    )
  }
  return {command: venvPython, args: ['-m', 'moto.server'], source: 'venv'}
}

/** True when a moto_server answers on the endpoint. */
export async function motoAnswers(endpoint: string): Promise<boolean> {
  try {
    // /moto-api/config is cheap; /moto-api/data.json serialises every resource and fails (HTTP 500) on some.
    const response = await fetch(`${endpoint}/moto-api/config`, {signal: AbortSignal.timeout(2000)})
    await response.body?.cancel()
    return response.ok
  } catch {
    return false
  }
}

/** Starts moto_server on 127.0.0.1 and waits until it answers. `detached` lets it outlive this process. */
export async function startMotoServer(options: {
  moto: MotoCommand
  port?: number
  logFile?: string
  detached?: boolean
  readyTimeoutMs?: number
}): Promise<MotoServer> {
  const port = options.port ?? (await freePort())
  const endpoint = `http://127.0.0.1:${port}`
  const log = options.logFile ? openSync(options.logFile, 'a') : 'ignore'
  const child = spawn(options.moto.command, [...options.moto.args, '-H', '127.0.0.1', '-p', String(port)], {
    detached: options.detached ?? false,
    stdio: ['ignore', log, log],
  })
  if (options.detached) child.unref()
  let exited: number | null | undefined
  child.on('exit', (code) => (exited = code))
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000)
  while (Date.now() < deadline) {
    if (exited !== undefined)
      throw new OpsctlError(`moto_server exited with code ${exited} before it answered${options.logFile ? `; see ${options.logFile}` : ''}.`)
    if (await motoAnswers(endpoint)) return {pid: child.pid!, port, endpoint, process: child}
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  child.kill()
  throw new OpsctlError(
    `moto_server did not answer on ${endpoint} within ${Math.round((options.readyTimeoutMs ?? 30_000) / 1000)} s${options.logFile ? `; see ${options.logFile}` : ''}.`,
  )
}

/** Forgets every resource in the emulator. */
export async function resetMoto(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset`, {method: 'POST'})
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`)
  await response.body?.cancel()
}
