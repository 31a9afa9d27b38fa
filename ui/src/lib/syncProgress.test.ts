import { describe, expect, it } from 'vitest'
import type { SyncProgress } from '../bindings/SyncProgress'
import type { SyncReport } from '../bindings/SyncReport'
import { bytes } from './format'
import { fetching, foldSync } from './syncProgress'

const report = (change: Partial<SyncReport> = {}): SyncReport => ({
  sourceId: 7,
  name: 'platform',
  stats: { added: 1, updated: 0, removed: 0, repos_read: 1, repos_unchanged: 1, repos_removed: 0, files_changed: 1 },
  repos: 2,
  updated: 1,
  unchanged: 0,
  failures: [],
  needsCredentials: [],
  cancelled: false,
  millis: 120,
  error: null,
  ...change,
})

describe('sync progress', () => {
  it('follows each repository of a source from start to finish', () => {
    const events: SyncProgress[] = [
      { kind: 'sourceStarted', sourceId: 7, name: 'platform', position: 1, count: 1, repos: 2 },
      { kind: 'repoStarted', sourceId: 7, repo: 'git://h/a' },
      { kind: 'repoStarted', sourceId: 7, repo: 'git://h/b' },
      { kind: 'transfer', sourceId: 7, repo: 'git://h/a', receivedObjects: 5, totalObjects: 10, receivedBytes: 2048 },
    ]
    let state = events.reduce(foldSync, {})
    expect(state[7].running).toBe(true)
    expect(state[7].total).toBe(2)
    expect(state[7].repos['git://h/a']).toMatchObject({ state: 'fetching', receivedObjects: 5, totalObjects: 10 })
    expect(fetching(state[7])).toEqual(['git://h/a', 'git://h/b'])

    state = foldSync(state, {
      kind: 'repoFinished',
      sourceId: 7,
      repo: 'git://h/a',
      done: 1,
      total: 2,
      outcome: { status: 'updated', commit: 'abc', previous: null },
    })
    state = foldSync(state, {
      kind: 'repoFinished',
      sourceId: 7,
      repo: 'git://h/b',
      done: 2,
      total: 2,
      outcome: { status: 'failed', failure: { kind: 'needs-credentials', host: 'h', message: 'h needs credentials' } },
    })
    expect(state[7].done).toBe(2)
    expect(state[7].repos['git://h/a'].state).toBe('updated')
    expect(state[7].repos['git://h/b']).toMatchObject({ state: 'failed', message: 'h needs credentials' })
    expect(fetching(state[7])).toEqual([])

    state = foldSync(state, { kind: 'sourceFinished', report: report() })
    expect(state[7].running).toBe(false)
    expect(state[7].report?.stats.added).toBe(1)
  })

  it('keeps sources apart and starts a source afresh on its next sync', () => {
    let state = foldSync({}, { kind: 'sourceStarted', sourceId: 1, name: 'a', position: 1, count: 2, repos: 1 })
    state = foldSync(state, { kind: 'sourceFinished', report: report({ sourceId: 1, name: 'a' }) })
    state = foldSync(state, { kind: 'sourceStarted', sourceId: 2, name: 'b', position: 2, count: 2, repos: 3 })
    expect(state[1].running).toBe(false)
    expect(state[2]).toMatchObject({ running: true, total: 3 })
    state = foldSync(state, { kind: 'sourceStarted', sourceId: 1, name: 'a', position: 1, count: 1, repos: 1 })
    expect(state[1]).toMatchObject({ running: true, report: null, done: 0 })
  })

  it('writes sizes for people', () => {
    expect(bytes(512)).toBe('512 B')
    expect(bytes(2048)).toBe('2.0 KB')
    expect(bytes(5 * 1024 * 1024)).toBe('5.0 MB')
    expect(bytes(300 * 1024 * 1024)).toBe('300 MB')
  })
})
