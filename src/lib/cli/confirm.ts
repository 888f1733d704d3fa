import {createInterface} from 'node:readline/promises'

import {UsageError} from '../errors/errors.js'

/** There is a person at a terminal to answer a prompt. */
export const canPrompt = () => Boolean(process.stdin.isTTY && process.stdout.isTTY)

/** What a disruptive change asks: a question answered y/N, or (what cannot be taken back lightly) a name to type. */
export interface Confirmation {
  question: string
  /** The answer to type, for example the tenant id a destroy is about: anything else cancels. */
  typed?: string
}

/**
 * Asks before a disruptive change. --yes answers for the user; without a terminal to ask on and
 * without --yes the command refuses (exit 2), so a CI job never blocks on a prompt or proceeds unasked.
 */
export async function confirmChange(confirmation: string | Confirmation, options: {yes: boolean; flag?: string}): Promise<void> {
  const {question, typed} = typeof confirmation === 'string' ? {question: confirmation, typed: undefined} : confirmation
  if (options.yes) return
  if (!canPrompt()) {
    throw new UsageError(
      `${question.replace(/\?$/, '')} needs confirmation and there is no terminal to ask on; pass ${options.flag ?? '--yes'} to proceed.`,
      'ConfirmationRequired',
    )
  }
  const prompt = createInterface({input: process.stdin, output: process.stdout})
  try {
    if (typed === undefined) {
      const answer = (await prompt.question(`${question} [y/N] `)).trim().toLowerCase()
      if (answer !== 'y' && answer !== 'yes') throw new UsageError('Cancelled at the confirmation prompt; nothing was changed.', 'Cancelled')
    } else if ((await prompt.question(`${question} Type ${typed} to confirm: `)).trim() !== typed) {
      throw new UsageError(`Cancelled: the answer was not ${typed}; nothing was changed.`, 'Cancelled')
    }
  } finally {
    prompt.close()
  }
}
