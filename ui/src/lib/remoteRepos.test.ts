import { describe, expect, it } from 'vitest'
import type { RemoteRepoRecord } from '../bindings/RemoteRepoRecord'
import type { SyncReport } from '../bindings/SyncReport'
import { hostsNeedingCredentials, lastSynced, reportSummary, shortCommit } from './remoteRepos'

const repo = (change: Partial<RemoteRepoRecord>): RemoteRepoRecord => ({
  sourceId: 1,
  path: 'https://git.example.com/a.git',
  url: 'https://git.example.com/a.git',
  branch: null,
  commit: null,
  syncedAt: null,
  attemptedAt: 0,
  errorKind: null,
  errorHost: null,
  error: null,
  indexedCommit: null,
  entityCount: 0,
  problemErrors: 0,
  problemWarnings: 0,
  ...change,
})

const report: SyncReport = {
  sourceId: 1,
  name: 'a',
  stats: { added: 0, updated: 0, removed: 0, repos_read: 0, repos_unchanged: 0, repos_removed: 0, files_changed: 0 },
  repos: 2,
  updated: 0,
  unchanged: 1,
  failures: [{ repo: 'x', failure: { kind: 'needs-credentials', host: 'git.other.org', message: 'm' } }],
  needsCredentials: ['git.other.org'],
  cancelled: false,
  millis: 5,
  error: null,
}

describe('remote repositories', () => {
  it('asks once per host that wants credentials', () => {
    const repos = [
      repo({ errorKind: 'needs-credentials', errorHost: 'git.example.com' }),
      repo({ path: 'b', errorKind: 'needs-credentials', errorHost: 'git.example.com' }),
      repo({ path: 'c', errorKind: 'unreachable', errorHost: 'down.example.com' }),
    ]
    expect(hostsNeedingCredentials(repos, null)).toEqual(['git.example.com'])
    expect(hostsNeedingCredentials(repos, report)).toEqual(['git.example.com', 'git.other.org'])
    expect(hostsNeedingCredentials([], null)).toEqual([])
  })

  it('says when the source last synced', () => {
    expect(lastSynced([repo({}), repo({ syncedAt: 5 }), repo({ syncedAt: 9 })])).toBe(9)
    expect(lastSynced([repo({})])).toBeNull()
  })

  it('summarises a sync', () => {
    expect(reportSummary(report)).toBe('2 repositories: 0 updated, 1 unchanged, 1 failed · no changes')
    expect(reportSummary({ ...report, cancelled: true, stats: { ...report.stats, added: 2 } })).toBe(
      'Cancelled. 2 repositories: 0 updated, 1 unchanged, 1 failed · 2 added, 0 updated, 0 removed',
    )
    expect(reportSummary({ ...report, error: 'cannot read the list' })).toBe('Not synced: cannot read the list')
    expect(shortCommit('0123456789abcdef')).toBe('01234567')
    expect(shortCommit(null)).toBe('—')
  })
})
