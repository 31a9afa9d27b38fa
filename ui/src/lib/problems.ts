// Problems as the Sources page lists them.
import type { ProblemRecord } from '../bindings/ProblemRecord'

/** Problems grouped by repository and file. */
export function groupByFile(problems: ProblemRecord[]): [string, ProblemRecord[]][] {
  const groups = new Map<string, ProblemRecord[]>()
  for (const p of problems) {
    const where = [p.repo, p.file].filter(Boolean).join('/') || 'The source'
    groups.set(where, [...(groups.get(where) ?? []), p])
  }
  return [...groups.entries()]
}
