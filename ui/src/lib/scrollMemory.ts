// Where each catalog view was scrolled to, so that Back lands on the same rows.
const offsets = new Map<string, number>()
const MAX = 50

/** The remembered scroll offset of a view. */
export function recallScroll(view: string): number {
  return offsets.get(view) ?? 0
}

/** Remembers a view's scroll offset (the oldest views are forgotten first). */
export function rememberScroll(view: string, offset: number): void {
  offsets.delete(view)
  offsets.set(view, offset)
  if (offsets.size > MAX) {
    const oldest = offsets.keys().next().value
    if (oldest !== undefined) offsets.delete(oldest)
  }
}
