import {execFile} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {link, mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {opsctlHome} from '../engine/journal.js'
import {OpsctlError, UsageError} from '../errors/errors.js'
import {findMotoServer, motoAnswers, startMotoServer} from './moto-server.js'

const run = promisify(execFile)

/** What `sandbox start` records, so later commands find, check and stop the server it started. */
export interface SandboxState {
  pid: number
  port: number
  endpoint: string
  startedAt: string
  command: string[]
}

export interface SandboxStatus {
  /** The recorded moto_server process is alive. */
  running: boolean
  /** It answers HTTP on its endpoint. */
  answering: boolean
  pid?: number
  port?: number
  endpoint?: string
  startedAt?: string
  uptimeSeconds?: number
  command?: string[]
  stateFile: string
  logFile: string
}

export const sandboxDir = () => join(opsctlHome(), 'sandbox')
export const sandboxStateFile = () => join(sandboxDir(), 'state.json')
export const sandboxLogFile = () => join(sandboxDir(), 'moto.log')

/** A state file as read: `text` tells it apart from one a concurrent start or stop writes meanwhile. */
interface Recorded {
  state: SandboxState
  text: string
}

type Observation =
  | {kind: 'absent'}
  | ({kind: 'running' | 'silent'} & Recorded)
  /** The recorded process is gone, or its pid now belongs to another program. */
  | ({kind: 'stale'; reason: string} & Recorded)

const isErrno = (error: unknown, code: string) => (error as NodeJS.ErrnoException).code === code

/** A file's text, or undefined when there is no such file. */
async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined
    throw error
  }
}

async function readState(): Promise<Recorded | undefined> {
  const text = await readIfExists(sandboxStateFile())
  if (text === undefined) return undefined
  try {
    const state = JSON.parse(text) as SandboxState
    if (Number.isInteger(state.pid) && state.pid > 0 && Number.isInteger(state.port) && typeof state.endpoint === 'string') return {state, text}
  } catch {}
  throw new UsageError(`${sandboxStateFile()} is not a sandbox state file; delete it and run "opsctl sandbox start".`, 'SandboxStateInvalid')
}

/** A name beside `file` that no other process uses. */
const besides = (file: string, purpose: string) => `${file}.${purpose}-${process.pid}-${randomUUID()}`

/**
 * Creates `file` with `text` unless it exists, and tells whether it did. Written beside it first and
 * then linked into place, so the file appears at once and complete: a reader never sees it half-written.
 */
async function createExclusively(file: string, text: string): Promise<boolean> {
  const draft = besides(file, 'draft')
  await writeFile(draft, text, {mode: 0o600})
  try {
    await link(draft, file)
    return true
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false
    throw error
  } finally {
    await rm(draft, {force: true})
  }
}

/**
 * Removes `file` only while it still has the `text` seen, never a file another process has just put
 * in its place: the file is first moved aside (atomic, so only one process gets it), then checked,
 * and put back when it is not the one seen.
 */
async function removeIfStill(file: string, text: string): Promise<void> {
  const aside = besides(file, 'removed')
  try {
    await rename(file, aside)
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return
    throw error
  }
  try {
    if ((await readFile(aside, 'utf8')) !== text)
      await link(aside, file).catch((error) => {
        // The name was taken again meanwhile; what was moved aside is lost, which the exclusive state.json covers.
        if (!isErrno(error, 'EEXIST')) throw error
      })
  } finally {
    await rm(aside, {force: true})
  }
}

/**
 * The command line of a live process, or undefined when it has exited. Zombies count as exited:
 * a detached server outlives the opsctl that started it, and in some containers nothing reaps it.
 */
async function processCommandLine(pid: number): Promise<string | undefined> {
  try {
    process.kill(pid, 0)
  } catch (error) {
    // EPERM: alive, but another user's; it is not the server opsctl started either way.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return undefined
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return undefined
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ').trim()
  } catch {
    // No /proc (macOS), or the process ended meanwhile: ask ps.
    try {
      const {stdout} = await run('ps', ['-o', 'stat=', '-o', 'args=', '-p', String(pid)])
      const [stat, ...args] = stdout.trim().split(/\s+/)
      return stat && !stat.startsWith('Z') ? args.join(' ') : undefined
    } catch {
      return undefined
    }
  }
}

/** The pid still runs the moto_server opsctl started on that port (and not a program that reused the pid). */
const isSandboxServer = (commandLine: string, state: SandboxState) => commandLine.includes('moto') && commandLine.includes(`-p ${state.port}`)

async function observe(): Promise<Observation> {
  const recorded = await readState()
  if (!recorded) return {kind: 'absent'}
  const {state} = recorded
  const commandLine = await processCommandLine(state.pid)
  if (commandLine === undefined) return {kind: 'stale', ...recorded, reason: `process ${state.pid} has exited`}
  if (!isSandboxServer(commandLine, state)) {
    return {
      kind: 'stale',
      ...recorded,
      reason: `process ${state.pid} is not the sandbox's moto_server (it runs "${commandLine || 'unknown'}") and was left alone`,
    }
  }
  return {kind: (await motoAnswers(state.endpoint)) ? 'running' : 'silent', ...recorded}
}

/** Forgets the recorded sandbox, unless a concurrent start has recorded a new one meanwhile. */
const forget = (recorded: Recorded) => removeIfStill(sandboxStateFile(), recorded.text)

function statusOf(observation: Observation, now = Date.now()): SandboxStatus {
  const files = {stateFile: sandboxStateFile(), logFile: sandboxLogFile()}
  if (observation.kind === 'absent' || observation.kind === 'stale') return {running: false, answering: false, ...files}
  const {state} = observation
  return {
    running: true,
    answering: observation.kind === 'running',
    ...state,
    uptimeSeconds: Math.max(0, Math.round((now - Date.parse(state.startedAt)) / 1000)),
    ...files,
  }
}

export async function sandboxStatus(): Promise<SandboxStatus> {
  return statusOf(await observe())
}

export interface SandboxStart {
  status: SandboxStatus
  alreadyRunning: boolean
  /** Why state left by an earlier sandbox was removed, when it was. */
  staleState?: string
}

/**
 * Starts moto_server detached on a free port of 127.0.0.1 (installing it first when needed), records it
 * in $OPSCTL_HOME/sandbox/state.json and waits until it answers. A running sandbox is left as it is.
 */
export async function startSandbox(options: {onInstall?: (venv: string) => void} = {}): Promise<SandboxStart> {
  await mkdir(sandboxDir(), {recursive: true})
  const releaseLock = await lockStart()
  try {
    const observation = await observe()
    if (observation.kind === 'running') return {status: statusOf(observation), alreadyRunning: true}
    if (observation.kind === 'silent') throw notAnswering(observation.state)
    if (observation.kind === 'stale') await forget(observation)
    const state = await startServer(options.onInstall)
    const text = `${JSON.stringify(state, null, 2)}\n`
    // Exclusive, as a second line of defence: should two starts ever pass the lock, one sandbox is still recorded.
    if (!(await createExclusively(sandboxStateFile(), text))) return giveWay(state)
    return {status: statusOf({kind: 'running', state, text}), alreadyRunning: false, staleState: observation.kind === 'stale' ? observation.reason : undefined}
  } finally {
    await releaseLock()
  }
}

/** Starts a detached moto_server and describes it as state.json records it. */
async function startServer(onInstall?: (venv: string) => void): Promise<SandboxState> {
  const moto = await findMotoServer(sandboxDir(), true, onInstall)
  const server = await startMotoServer({moto, logFile: sandboxLogFile(), detached: true})
  return {
    pid: server.pid,
    port: server.port,
    endpoint: server.endpoint,
    startedAt: new Date().toISOString(),
    command: [moto.command, ...moto.args, '-H', '127.0.0.1', '-p', String(server.port)],
  }
}

/**
 * Another start recorded its sandbox while this one was starting a server: this one loses, stops its
 * own server (else it would be orphaned: no state.json names it) and reports the other's.
 */
async function giveWay(own: SandboxState): Promise<SandboxStart> {
  await endServer(own.pid)
  const observation = await observe()
  if (observation.kind === 'running') return {status: statusOf(observation), alreadyRunning: true}
  if (observation.kind === 'silent') throw notAnswering(observation.state)
  throw startingElsewhere()
}

/**
 * Only one `sandbox start` at a time: two at once would each start a moto_server and the first
 * would be orphaned. The lock holds its starter's pid and a token that tells this claim from every
 * other, so that releasing or taking over a lock never removes one another start has just taken.
 * A lock whose starter has died is taken over.
 */
async function lockStart(): Promise<() => Promise<void>> {
  const lock = join(sandboxDir(), 'start.lock')
  const claim = `${process.pid}\n${randomUUID()}\n`
  // Each retry follows a lock released or taken over meanwhile; a few are plenty.
  for (let attempt = 0; attempt < 10; attempt++) {
    if (await createExclusively(lock, claim)) return () => removeIfStill(lock, claim)
    const held = await readIfExists(lock)
    if (held === undefined) continue
    const holder = Number.parseInt(held, 10)
    if (holder > 0 && isAlive(holder)) throw startingElsewhere(holder)
    await removeIfStill(lock, held)
  }
  throw startingElsewhere()
}

const startingElsewhere = (holder?: number) =>
  new UsageError(
    `Another "opsctl sandbox start"${holder ? ` (pid ${holder})` : ''} is starting the sandbox; wait for it, then run "opsctl sandbox status".`,
    'SandboxStarting',
  )

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export interface SandboxStop {
  stopped: boolean
  pid?: number
  endpoint?: string
  staleState?: string
}

/** Ends the moto_server this sandbox started (never another process) and forgets it. */
export async function stopSandbox(): Promise<SandboxStop> {
  const observation = await observe()
  if (observation.kind === 'absent') return {stopped: false}
  if (observation.kind === 'stale') {
    await forget(observation)
    return {stopped: false, staleState: observation.reason}
  }
  const {pid, endpoint} = observation.state
  await endServer(pid)
  await forget(observation)
  return {stopped: true, pid, endpoint}
}

async function endServer(pid: number): Promise<void> {
  if (!(await terminate(pid))) {
    throw new OpsctlError(`moto_server (pid ${pid}) did not exit after SIGTERM and SIGKILL; end it yourself with "kill -9 ${pid}".`)
  }
}

/** SIGTERM, then SIGKILL if it lingers; true once the process has exited. */
async function terminate(pid: number): Promise<boolean> {
  for (const [signal, waitMs] of [
    ['SIGTERM', 10_000],
    ['SIGKILL', 5000],
  ] as const) {
    try {
      process.kill(pid, signal)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true
      throw error
    }
    if (await exitsWithin(pid, waitMs)) return true
  }
  return false
}

async function exitsWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if ((await processCommandLine(pid)) === undefined) return true
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return false
}

const notAnswering = (state: SandboxState) =>
  new UsageError(
    `The sandbox's moto_server (pid ${state.pid}) does not answer on ${state.endpoint}; see ${sandboxLogFile()}, then run "opsctl sandbox stop" and "opsctl sandbox start".`,
    'SandboxNotAnswering',
  )

/** The running sandbox, or a usage error saying how to start it. */
export async function requireRunningSandbox(): Promise<SandboxState> {
  const observation = await observe()
  if (observation.kind === 'running') return observation.state
  if (observation.kind === 'silent') throw notAnswering(observation.state)
  throw new UsageError('The sandbox is not running; run "opsctl sandbox start" first.', 'SandboxNotRunning')
}
