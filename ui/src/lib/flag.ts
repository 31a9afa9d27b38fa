// A boolean that components outside React's tree can set and components can follow.
import { useSyncExternalStore } from 'react'

/** A flag: `set` from anywhere, `use` in components (they re-render on change). */
export function createFlag(initial = false) {
  let value = initial
  const listeners = new Set<() => void>()
  const subscribe = (listener: () => void) => {
    listeners.add(listener)
    return () => {
      listeners.delete(listener)
    }
  }
  return {
    set(next: boolean) {
      if (value === next) return
      value = next
      listeners.forEach((l) => l())
    },
    get: () => value,
    use: () => useSyncExternalStore(subscribe, () => value),
  }
}

/** The welcome screen is indexing (it stays on screen until done). */
export const firstRunBusy = createFlag()
/** The folder watcher is re-indexing. */
export const watcherBusy = createFlag()
