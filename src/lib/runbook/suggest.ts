import {editDistance} from '../cli/command-not-found.js'

/** The closest candidate by edit distance, when close enough to be a likely typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

/** "did you mean X?" or a list of what exists. */
export function didYouMean(word: string, candidates: string[], noun: string): string {
  const near = closest(word, candidates)
  if (near) return `did you mean ${near}?`
  return candidates.length > 0 ? `the ${noun}s are ${candidates.slice(0, 8).join(', ')}${candidates.length > 8 ? ', …' : ''}` : `declare the ${noun} first`
}
