// Remote sync progress, folded per source and per repository, from the channel of a "Sync
// now" or the events of the background sync: one store the whole window follows.
import { useSyncExternalStore } from 'react'
import type { SyncProgress } from '../bindings/SyncProgress'
import type { SyncReport } from '../bindings/SyncReport'

/** One repository during a sync. */
export interface RepoProgress {
  state: 'fetching' | 'updated' | 'unchanged' | 'failed'
  receivedObjects: number
  totalObjects: number
  receivedBytes: number
  message: string | null
}

/** One source during (and right after) a sync. */
export interface SourceProgress {
  /** Counts the source's syncs in this window, to tell one run from the next. */
  run: number
  name: string
  running: boolean
  done: number
  total: number
  repos: Record<string, RepoProgress>
  report: SyncReport | null
}

/** Every source's last sync, by source id. */
export type SyncState = Record<number, SourceProgress>

const fresh = (): RepoProgress => ({ state: 'fetching', receivedObjects: 0, totalObjects: 0, receivedBytes: 0, message: null })

/** Folds one progress event into the state. */
export function foldSync(state: SyncState, event: SyncProgress): SyncState {
  const id = event.kind === 'sourceFinished' ? event.report.sourceId : event.sourceId
  const source: SourceProgress = state[id] ?? { run: 0, name: '', running: true, done: 0, total: 0, repos: {}, report: null }
  const repo = (key: string, change: Partial<RepoProgress>): SourceProgress => ({
    ...source,
    repos: { ...source.repos, [key]: { ...(source.repos[key] ?? fresh()), ...change } },
  })
  switch (event.kind) {
    case 'sourceStarted':
      return {
        ...state,
        [id]: { run: source.run + 1, name: event.name, running: true, done: 0, total: event.repos, repos: {}, report: null },
      }
    case 'repoStarted':
      return { ...state, [id]: repo(event.repo, fresh()) }
    case 'transfer':
      return {
        ...state,
        [id]: repo(event.repo, {
          receivedObjects: event.receivedObjects,
          totalObjects: event.totalObjects,
          receivedBytes: event.receivedBytes,
        }),
      }
    case 'repoFinished': {
      const outcome = event.outcome
      const change: Partial<RepoProgress> =
        outcome.status === 'failed'
          ? { state: 'failed', message: outcome.failure.message }
          : { state: outcome.status }
      return { ...state, [id]: { ...repo(event.repo, change), done: event.done, total: event.total } }
    }
    case 'sourceFinished':
      return { ...state, [id]: { ...source, name: event.report.name, running: false, report: event.report } }
  }
}

/** The repositories being fetched now, for a label. */
export function fetching(source: SourceProgress): string[] {
  return Object.entries(source.repos)
    .filter(([, r]) => r.state === 'fetching')
    .map(([key]) => key)
}

let state: SyncState = {}
const listeners = new Set<() => void>()

/** The window's sync progress: fed by `record`, followed with `useSyncProgress`. */
export const syncProgress = {
  record(event: SyncProgress) {
    state = foldSync(state, event)
    listeners.forEach((l) => l())
  },
  get: () => state,
}

/** The sync progress of every source; re-renders on each event. */
export function useSyncProgress(): SyncState {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    () => state,
  )
}
