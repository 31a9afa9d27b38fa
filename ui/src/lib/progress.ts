// Index progress events folded into what a progress bar shows.
import type { Progress } from '../bindings/Progress'

/** What an index's progress events add up to, for a bar. */
export interface IndexState {
  label: string
  done: number
  total: number | null
  /** What `done` and `total` count (default: repositories). */
  unit?: string
}

/** Folds one progress event into the state of the bar. */
export function foldProgress(state: IndexState | null, event: Progress): IndexState {
  switch (event.kind) {
    case 'sourceStarted':
      return { label: `Indexing ${event.name}…`, done: 0, total: null }
    case 'discovered':
      return { ...(state ?? { label: 'Indexing…', done: 0 }), total: event.repos }
    case 'scanned':
      return {
        label: `Reading ${event.repo}`,
        done: event.done,
        total: event.total,
      }
    case 'writing':
      return { ...(state ?? { done: 0, total: null }), label: 'Writing the catalog…' }
    case 'sourceFinished':
      return { label: `Indexed ${event.report.name}`, done: state?.total ?? 0, total: state?.total ?? 0 }
    case 'docs':
      return event.progress.kind === 'started'
        ? { label: 'Building the docs…', done: 0, total: event.progress.sites }
        : { label: `Built the docs of ${event.progress.name}`, done: event.progress.done, total: event.progress.total }
  }
}
