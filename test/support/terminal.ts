import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface TerminalSession {
  /** Everything the terminal showed so far (escape sequences included). */
  readonly screen: string
  /** Resolves once the screen shows `text` (or rejects after `timeoutMs`). */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>
  /** Presses Ctrl-C: the terminal sends SIGINT to the foreground process, as for a person. */
  pressCtrlC(): void
  /** Types text (with "\r" for Enter) as a person would at the prompt. */
  type(text: string): void
  /** The CLI's exit code once it has ended. */
  readonly exited: Promise<number | null>
}

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`

/**
 * Runs the built CLI on a real pseudo-terminal (util-linux `script`), 120 columns wide, so that opsctl sees a
 * TTY and draws its live step list, and Ctrl-C reaches it through the terminal's line discipline.
 */
export function onTerminal(args: string[], options: {env?: NodeJS.ProcessEnv} = {}): TerminalSession {
  const env = Object.fromEntries(Object.entries({...process.env, CI: undefined, ...options.env}).filter(([, v]) => v !== undefined))
  const command = `stty cols 120 rows 40; exec ${quote(process.execPath)} ${[bin, ...args].map(quote).join(' ')}`
  const child = spawn('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {env, stdio: ['pipe', 'pipe', 'pipe']})
  let screen = ''
  const watchers: (() => void)[] = []
  const onData = (chunk: Buffer) => {
    screen += chunk
    for (const watch of [...watchers]) watch()
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve(code))
  })
  return {
    get screen() {
      return screen
    },
    exited,
    pressCtrlC: () => child.stdin.write('\x03'),
    type: (text) => child.stdin.write(text),
    waitFor(text, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const seen = () => (typeof text === 'string' ? screen.includes(text) : text.test(screen))
        const timer = setTimeout(() => reject(new Error(`the terminal did not show ${text} within ${timeoutMs} ms; it showed:\n${screen}`)), timeoutMs)
        const watch = () => {
          if (!seen()) return
          clearTimeout(timer)
          watchers.splice(watchers.indexOf(watch), 1)
          resolve()
        }
        watchers.push(watch)
        watch()
        exited.then(() => {
          if (!seen()) {
            clearTimeout(timer)
            reject(new Error(`the CLI ended before the terminal showed ${text}; it showed:\n${screen}`))
          }
        })
      })
    },
  }
}

const tmux = (socket: string, args: string[], env?: NodeJS.ProcessEnv) =>
  new Promise<string>((resolve, reject) => {
    const child = spawn('tmux', ['-L', socket, ...args], {env, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.stderr.on('data', (chunk) => (err += chunk))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`tmux ${args.join(' ')} failed: ${err}`))))
  })

let sessions = 0

/**
 * Runs the built CLI to its end in a terminal emulator (a detached tmux session, `columns` wide) and returns
 * the screen as a person sees it once the CLI has ended, scrollback included: every redraw of the live list
 * resolved into its final lines, which `script`'s raw stream does not show.
 */
export async function renderedOnTerminal(args: string[], options: {env?: NodeJS.ProcessEnv; columns?: number} = {}): Promise<{screen: string; code: number}> {
  const socket = `opsctl-test-${process.pid}-${sessions++}`
  const statusFile = join(mkdtempSync(join(tmpdir(), 'opsctl-terminal-')), 'status')
  const env = Object.fromEntries(Object.entries({...process.env, CI: undefined, TMUX: undefined, ...options.env}).filter(([, v]) => v !== undefined))
  // The exit status goes to a file: tmux does not always reap a pane's process, so #{pane_dead_status} may never come.
  const command = `${[process.execPath, bin, ...args].map(quote).join(' ')}; echo $? > ${quote(statusFile)}`
  // A server of its own, so the CLI gets this environment; the pane stays after the CLI has ended, to be read.
  await tmux(
    socket,
    [
      '-f',
      '/dev/null',
      'start-server',
      ';',
      'set-option',
      '-g',
      'remain-on-exit',
      'on',
      ';',
      'set-option',
      '-g',
      'history-limit',
      '10000',
      ';',
      'new-session',
      '-d',
      '-s',
      'run',
      '-x',
      String(options.columns ?? 100),
      '-y',
      '50',
      command,
    ],
    env,
  )
  try {
    // Dead once tmux has read the terminal's last output.
    while (!existsSync(statusFile) || (await tmux(socket, ['display-message', '-p', '-t', 'run', '#{pane_dead}'])).trim() !== '1') {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const screen = (await tmux(socket, ['capture-pane', '-p', '-S', '-', '-t', 'run'])).replace(/\n*Pane is dead \(.*\)\s*$/, '')
    return {screen: screen.trimEnd(), code: Number(readFileSync(statusFile, 'utf8'))}
  } finally {
    await tmux(socket, ['kill-server']).catch(() => undefined)
    rmSync(dirname(statusFile), {recursive: true, force: true})
  }
}
