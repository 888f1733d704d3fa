/** Every item of every page of a paginated call (the SDK's paginate* functions). */
export async function collectPages<P, T>(pages: AsyncIterable<P>, itemsOf: (page: P) => T[] | undefined): Promise<T[]> {
  const items: T[] = []
  for await (const page of pages) items.push(...(itemsOf(page) ?? []))
  return items
}

/** Maps over items with at most `limit` calls in flight, keeping the order of the input. */
export async function mapWithLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await fn(items[index])
    }
  }
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker))
  return results
}
