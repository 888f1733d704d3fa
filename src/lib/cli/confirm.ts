import {createInterface} from 'node:readline/promises'

import {UsageError} from '../errors/errors.js'

/** There is a person at a terminal to answer a prompt. */
export const canPrompt = () => Boolean(process.stdin.isTTY && process.stdout.isTTY)

/**
 * Asks before a disruptive change. --yes answers for the user; without a terminal to ask on and
 * without --yes the command refuses (exit 2), so a CI job never blocks on a prompt or proceeds unasked.
 */
export async function confirmChange(question: string, options: {yes: boolean; flag?: string}): Promise<void> {
  if (options.yes) return
  if (!canPrompt()) {
    throw new UsageError(
      `${question.replace(/\?$/, '')} needs confirmation and there is no terminal to ask on; pass ${options.flag ?? '--yes'} to proceed.`,
      'ConfirmationRequired',
    )
  }
  const prompt = createInterface({input: process.stdin, output: process.stdout})
  try {
    const answer = (await prompt.question(`${question} [y/N] `)).trim().toLowerCase()
    if (answer !== 'y' && answer !== 'yes') throw new UsageError('Cancelled at the confirmation prompt; nothing was changed.', 'Cancelled')
  } finally {
    prompt.close()
  }
}
