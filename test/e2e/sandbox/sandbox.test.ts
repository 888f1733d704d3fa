import {execFileSync, spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DescribeDBInstancesCommand, RDSClient} from '@aws-sdk/client-rds'
import {expect} from 'chai'

import {findMotoServer, motoAnswers, startMotoServer} from '../../../src/lib/sandbox/moto-server.js'
import {opsctl, parseJson} from '../../support/cli.js'
import {expectMatchesSchema} from '../../support/schema.js'

/** Alive and not a zombie (a detached server's exit may never be reaped in a container). */
function isRunning(pid: number): boolean {
  try {
    return !execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], {encoding: 'utf8'})
      .trim()
      .startsWith('Z')
  } catch {
    return false
  }
}

/**
 * The moto_server processes a sandbox of `home` started, whether or not its state.json names them:
 * a detached server inherits OPSCTL_HOME from the start that spawned it. Linux only (/proc).
 */
function motoServersOf(home: string): number[] {
  const servers: number[] = []
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      const environment = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0')
      if (commandLine.includes('moto') && commandLine.includes('\0-p\0') && environment.includes(`OPSCTL_HOME=${home}`) && isRunning(Number(entry)))
        servers.push(Number(entry))
    } catch {} // ended meanwhile
  }
  return servers
}

const dbInstanceIds = async (endpoint?: string) => {
  const rds = new RDSClient(endpoint ? {endpoint} : {})
  const {DBInstances = []} = await rds.send(new DescribeDBInstancesCommand({}))
  rds.destroy()
  return DBInstances.map((d) => d.DBInstanceIdentifier)
}

describe('opsctl sandbox (e2e: a real detached moto_server)', function () {
  this.timeout(60_000)
  // One sandbox through its whole life, in its own $OPSCTL_HOME: the tests below run in order.
  const home = mkdtempSync(join(tmpdir(), 'opsctl-sandbox-'))
  const sandbox = (args: string[], env: NodeJS.ProcessEnv = {}) => opsctl(['sandbox', ...args], {env: {OPSCTL_HOME: home, ...env}})
  const stateFile = join(home, 'sandbox', 'state.json')
  let pid: number
  let endpoint: string

  after(async () => {
    if (existsSync(stateFile)) await sandbox(['stop'])
    rmSync(home, {recursive: true, force: true})
  })

  it('starts moto_server detached, records it and waits until it answers, replacing stale state', async () => {
    mkdirSync(join(home, 'sandbox'), {recursive: true})
    const exited = spawn('true')
    await new Promise((resolve) => exited.on('exit', resolve))
    writeFileSync(
      stateFile,
      JSON.stringify({pid: exited.pid, port: 1, endpoint: 'http://127.0.0.1:1', startedAt: '2026-01-01T00:00:00Z', command: ['moto_server']}),
    )

    const started = await sandbox(['start', '--json'])
    expect(started.code, started.stderr).to.equal(0)
    const envelope = parseJson(started)
    expectMatchesSchema(envelope, 'sandbox-start')
    expect(envelope.warnings).to.deep.equal([`Removed the state of an earlier sandbox: process ${exited.pid} has exited.`])
    ;({pid, endpoint} = envelope.result)
    expect(envelope.result).to.include({alreadyRunning: false, running: true, answering: true})
    expect(endpoint).to.match(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(await motoAnswers(endpoint)).to.equal(true)
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).to.include({pid, endpoint})
    expect(isRunning(pid)).to.equal(true)
  })

  it('says it is already running when started again, and starts nothing', async () => {
    const again = await sandbox(['start'])
    expect(again.code, again.stderr).to.equal(0)
    expect(again.stdout).to.contain(`The sandbox is already running at ${endpoint} (pid ${pid}`)
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).pid).to.equal(pid)
  })

  it('reports its endpoint, pid and uptime', async () => {
    const status = parseJson(await sandbox(['status', '--json']))
    expectMatchesSchema(status, 'sandbox-status')
    expect(status.result).to.include({running: true, answering: true, pid, endpoint})
    expect(status.result.uptimeSeconds).to.be.at.least(0)
    expect((await sandbox(['status'])).stdout).to.contain(`The sandbox is running at ${endpoint} (pid ${pid}, up `)
  })

  it('prints export lines that a shell can eval to reach the sandbox', async () => {
    const printed = await sandbox(['env'])
    expect(printed.code, printed.stderr).to.equal(0)
    expect(printed.stdout.split('\n')).to.include.members([
      `export AWS_ENDPOINT_URL=${endpoint}`,
      'export AWS_REGION=us-east-1',
      'export AWS_ACCESS_KEY_ID=testing',
      'export AWS_SECRET_ACCESS_KEY=testing',
      'export AWS_EC2_METADATA_DISABLED=true',
    ])
    const evaluated = execFileSync('bash', ['-c', 'eval "$1"; echo "$AWS_ENDPOINT_URL ${AWS_PROFILE-unset}"', 'bash', printed.stdout], {
      encoding: 'utf8',
      env: {...process.env, AWS_PROFILE: 'production'},
    })
    expect(evaluated.trim()).to.equal(`${endpoint} unset`)
    expectMatchesSchema(parseJson(await sandbox(['env', '--json'])), 'sandbox-env')
  })

  it('seeds only the sandbox, even when the shell points at a profile and another endpoint', async () => {
    // The test environment's AWS_ENDPOINT_URL is the suite's own moto: it must stay empty.
    const seeded = await sandbox(['seed', '--json'], {AWS_PROFILE: 'production', AWS_ENDPOINT_URL_RDS: process.env.AWS_ENDPOINT_URL})
    expect(seeded.code, seeded.stderr).to.equal(0)
    const envelope = parseJson(seeded)
    expectMatchesSchema(envelope, 'sandbox-seed')
    expect(envelope.result).to.include({endpoint, region: 'us-east-1', existing: 0})
    expect(await dbInstanceIds(endpoint)).to.include.members(['tenant-shard-001', 'tenant-shard-002', 'legacy-reporting'])
    expect(await dbInstanceIds()).to.deep.equal([])

    const again = parseJson(await sandbox(['seed', '--json']))
    expect(again.result).to.include({created: 0, existing: envelope.result.created})
  })

  it('stops the process it started and forgets it', async () => {
    const stopped = await sandbox(['stop', '--json'])
    expect(stopped.code, stopped.stderr).to.equal(0)
    const envelope = parseJson(stopped)
    expectMatchesSchema(envelope, 'sandbox-stop')
    expect(envelope.result).to.deep.equal({stopped: true, pid, endpoint})
    expect(isRunning(pid)).to.equal(false)
    expect(await motoAnswers(endpoint)).to.equal(false)
    expect(existsSync(stateFile)).to.equal(false)
    expect((await sandbox(['stop'])).stdout).to.contain('The sandbox is not running.')
    expect(parseJson(await sandbox(['status', '--json'])).result).to.include({running: false})
  })

  it('refuses to seed anything but the sandbox when given a profile or region', async () => {
    const refused = await sandbox(['seed', '--profile', 'production'])
    expect(refused.code).to.equal(2)
    expect(refused.stderr).to.contain('"opsctl sandbox seed" only ever seeds the sandbox; drop --profile and --region.')
  })

  it('refuses env and seed with exit 2 when the sandbox is not running', async () => {
    for (const command of ['env', 'seed']) {
      const refused = await sandbox([command])
      expect(refused.code, command).to.equal(2)
      expect(refused.stdout, command).to.equal('')
      expect(refused.stderr, command).to.contain('The sandbox is not running; run "opsctl sandbox start" first.')
    }
  })

  it('refuses a second start while another one is starting, and takes over a lock left by a dead one', async () => {
    mkdirSync(join(home, 'sandbox'), {recursive: true})
    const lock = join(home, 'sandbox', 'start.lock')
    const starting = spawn('sleep', ['60'])
    try {
      writeFileSync(lock, String(starting.pid))
      const refused = await sandbox(['start'])
      expect(refused.code).to.equal(2)
      expect(refused.stderr).to.contain(`Another "opsctl sandbox start" (pid ${starting.pid}) is starting the sandbox`)
      expect(existsSync(stateFile)).to.equal(false)
    } finally {
      starting.kill()
    }
    const finished = spawn('true')
    await new Promise((resolve) => finished.on('exit', resolve))
    writeFileSync(lock, String(finished.pid))
    const started = await sandbox(['start', '--json'])
    expect(started.code, started.stderr).to.equal(0)
    expect(existsSync(lock)).to.equal(false)
    expect((await sandbox(['stop'])).code).to.equal(0)
  })

  it('never kills an unrelated process whose pid is recorded in a forged state file', async () => {
    const unrelated = spawn('sleep', ['60'])
    try {
      writeFileSync(
        stateFile,
        JSON.stringify({pid: unrelated.pid, port: 4510, endpoint: 'http://127.0.0.1:4510', startedAt: '2026-01-01T00:00:00Z', command: ['moto_server']}),
      )
      const stop = await sandbox(['stop', '--json'])
      expect(stop.code, stop.stderr).to.equal(0)
      const envelope = parseJson(stop)
      expect(envelope.result).to.deep.equal({stopped: false})
      expect(envelope.warnings[0]).to.contain(`process ${unrelated.pid} is not the sandbox's moto_server (it runs "sleep 60") and was left alone`)
      expect(isRunning(unrelated.pid!)).to.equal(true)
    } finally {
      unrelated.kill()
    }
  })

  it('says Python 3 is needed when neither moto_server nor python3 can be found', async () => {
    const started = await sandbox(['start'], {PATH: join(home, 'no-programs-here')})
    expect(started.code).to.equal(2)
    expect(started.stderr).to.contain('The sandbox needs Python 3 to run moto_server, and python3 is not on PATH')
    expect(existsSync(stateFile)).to.equal(false)
  })
})

describe('opsctl sandbox start, many at once (e2e)', function () {
  this.timeout(120_000)
  const homes: string[] = []
  const freshHome = () => {
    const home = mkdtempSync(join(tmpdir(), 'opsctl-sandbox-race-'))
    homes.push(home)
    return home
  }
  const sandbox = (home: string, args: string[]) => opsctl(['sandbox', ...args], {env: {OPSCTL_HOME: home}})
  const startsAtOnce = (home: string, count: number) => Promise.all(Array.from({length: count}, () => sandbox(home, ['start'])))

  afterEach(async () => {
    for (const home of homes.splice(0)) {
      await sandbox(home, ['stop'])
      for (const pid of motoServersOf(home)) process.kill(pid, 'SIGKILL')
      rmSync(home, {recursive: true, force: true})
    }
  })

  /** Each start said one thing: it started the sandbox, found it running, or found another start at work. */
  function expectOneSentenceEach(starts: Awaited<ReturnType<typeof startsAtOnce>>) {
    for (const {code, stdout, stderr} of starts) {
      const said = (stdout + stderr).trim()
      expect(said.split('\n'), said).to.have.length(1)
      if (code === 0) {
        expect(said).to.match(/^The sandbox is (running|already running) at http:\/\/127\.0\.0\.1:\d+ \(pid \d+/)
      } else {
        expect(code, said).to.equal(2)
        expect(said).to.match(/Another "opsctl sandbox start" \(pid \d+\) is starting the sandbox; wait for it, then run "opsctl sandbox status"\.$/)
      }
    }
  }

  /** The one server is the one state.json records and status reports; stop leaves none. */
  async function expectOneSandbox(home: string) {
    const servers = motoServersOf(home)
    expect(servers, 'moto_server processes of this OPSCTL_HOME').to.have.length(1)
    const status = parseJson(await sandbox(home, ['status', '--json']))
    expect(status.result).to.include({running: true, answering: true, pid: servers[0]})
    expect((await sandbox(home, ['stop'])).code).to.equal(0)
    expect(motoServersOf(home)).to.deep.equal([])
  }

  it('starts exactly one moto_server when six starts run at once, round after round', async () => {
    for (let round = 0; round < 4; round++) {
      const home = freshHome()
      const starts = await startsAtOnce(home, 6)
      expectOneSentenceEach(starts)
      expect(
        starts.filter((start) => start.stdout.startsWith('The sandbox is running at')),
        `round ${round}`,
      ).to.have.length(1)
      await expectOneSandbox(home)
    }
  })

  it('lets exactly one of six starts at once take over a lock left by a dead start', async () => {
    const home = freshHome()
    const finished = spawn('true')
    await new Promise((resolve) => finished.on('exit', resolve))
    mkdirSync(join(home, 'sandbox'))
    writeFileSync(join(home, 'sandbox', 'start.lock'), String(finished.pid))
    const starts = await startsAtOnce(home, 6)
    expectOneSentenceEach(starts)
    expect(starts.filter((start) => start.stdout.startsWith('The sandbox is running at'))).to.have.length(1)
    expect(existsSync(join(home, 'sandbox', 'start.lock'))).to.equal(false)
    await expectOneSandbox(home)
  })

  it('stops its own server and reports the recorded one when another start recorded a sandbox meanwhile', async () => {
    // As if two starts had both passed the lock: the other one's sandbox is recorded while this one starts a server.
    const home = freshHome()
    const other = await startMotoServer({moto: await findMotoServer(home, false)})
    try {
      const started = sandbox(home, ['start', '--json'])
      for (const deadline = Date.now() + 30_000; motoServersOf(home).length === 0 && Date.now() < deadline; )
        await new Promise((resolve) => setTimeout(resolve, 20))
      writeFileSync(
        join(home, 'sandbox', 'state.json'),
        JSON.stringify({
          pid: other.pid,
          port: other.port,
          endpoint: other.endpoint,
          startedAt: new Date().toISOString(),
          command: ['moto_server', '-H', '127.0.0.1', '-p', String(other.port)],
        }),
      )
      const envelope = parseJson(await started)
      expect(envelope.status).to.equal(0)
      expect(envelope.result).to.include({alreadyRunning: true, running: true, pid: other.pid, endpoint: other.endpoint})
      expect(motoServersOf(home)).to.deep.equal([])
    } finally {
      rmSync(join(home, 'sandbox', 'state.json'), {force: true})
      other.process.kill()
    }
  })
})
