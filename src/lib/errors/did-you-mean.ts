/** Levenshtein distance: how many single-character edits turn a into b. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}

/** Longer words are not compared: nobody mistypes 100 characters, and the comparison grows with the square of the length. */
const MAX_COMPARED_LENGTH = 100

/** The closest candidate by edit distance, when close enough to be a likely typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length > MAX_COMPARED_LENGTH) return undefined
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1
  for (const candidate of candidates) {
    // The distance is at least the difference in length: no need to compute it when that is already too far.
    if (Math.abs(candidate.length - word.length) >= bestDistance) continue
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

/** "did you mean X?" or a list of what exists; `compare: false` lists without looking for the nearest (a bound on hostile documents). */
export function didYouMean(word: string, candidates: readonly string[], noun: string, {compare = true} = {}): string {
  const near = compare ? closest(word, candidates) : undefined
  if (near) return `did you mean ${near}?`
  return candidates.length > 0 ? `the ${noun}s are ${candidates.slice(0, 8).join(', ')}${candidates.length > 8 ? ', …' : ''}` : `declare the ${noun} first`
}
