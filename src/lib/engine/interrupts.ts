import {InterruptedError} from '../errors/errors.js'

/**
 * SIGINT and SIGTERM for as long as a run lasts, including its undo and its last journal write. The first
 * interrupt stops the run (its compensations then run); another one stops the compensations too, for an
 * operator who will not wait: the journal keeps what was left, and --resume carries on from there.
 */
export class Interrupts {
  private readonly runController = new AbortController()
  private readonly undoController = new AbortController()
  private readonly listeners = new Map<NodeJS.Signals, () => void>()

  constructor(external?: AbortSignal) {
    external?.addEventListener('abort', () => this.interrupt('SIGINT'), {once: true})
  }

  /** Aborted by the first interrupt. */
  get run(): AbortSignal {
    return this.runController.signal
  }

  /** Aborted by the second interrupt. */
  get undo(): AbortSignal {
    return this.undoController.signal
  }

  listen(): this {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const listener = () => this.interrupt(signal)
      this.listeners.set(signal, listener)
      process.on(signal, listener)
    }
    return this
  }

  close(): void {
    for (const [signal, listener] of this.listeners) process.off(signal, listener)
    this.listeners.clear()
  }

  private interrupt(signal: NodeJS.Signals): void {
    if (!this.runController.signal.aborted) this.runController.abort(new InterruptedError(signal))
    else this.undoController.abort(new InterruptedError(signal, 'while undoing; what was not undone is in the journal: resume the run, or clean it up by hand'))
  }
}
