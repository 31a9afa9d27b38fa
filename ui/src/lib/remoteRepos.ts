// What the Sources page says about a remote source's repositories.
import type { RemoteRepoRecord } from '../bindings/RemoteRepoRecord'
import type { SyncReport } from '../bindings/SyncReport'

/** The hosts that asked for credentials, from the repositories' last attempt and a report. */
export function hostsNeedingCredentials(repos: RemoteRepoRecord[], report: SyncReport | null): string[] {
  const hosts = new Set<string>()
  for (const repo of repos) {
    if (repo.errorKind === 'needs-credentials' && repo.errorHost) hosts.add(repo.errorHost)
  }
  for (const host of report?.needsCredentials ?? []) hosts.add(host)
  return [...hosts].sort()
}

/** When the source last synced: its most recent repository's successful fetch. */
export function lastSynced(repos: RemoteRepoRecord[]): number | null {
  const times = repos.map((r) => r.syncedAt).filter((t): t is number => t !== null)
  return times.length ? Math.max(...times) : null
}

/** The first 8 characters of a commit id. */
export function shortCommit(commit: string | null): string {
  return commit ? commit.slice(0, 8) : '—'
}

/** "2 repositories: 1 updated, 1 unchanged, 1 failed · 3 added, 1 updated, 0 removed" */
export function reportSummary(report: SyncReport): string {
  if (report.error) return `Not synced: ${report.error}`
  const repos = `${report.repos} ${report.repos === 1 ? 'repository' : 'repositories'}: ${report.updated} updated, ${report.unchanged} unchanged, ${report.failures.length} failed`
  const s = report.stats
  const changes = s.added + s.updated + s.removed === 0 ? 'no changes' : `${s.added} added, ${s.updated} updated, ${s.removed} removed`
  return `${report.cancelled ? 'Cancelled. ' : ''}${repos} · ${changes}`
}
