import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface TerminalSession {
  /** Everything the terminal showed so far (escape sequences included). */
  readonly screen: string
  /** Resolves once the screen shows `text` (or rejects after `timeoutMs`). */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>
  /** Presses Ctrl-C: the terminal sends SIGINT to the foreground process, as for a person. */
  pressCtrlC(): void
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
