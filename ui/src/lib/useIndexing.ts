// Running an index (or the demo) from the window: progress for a bar, errors for a notice,
// and everything on screen refreshed when it is done.
import { useQueryClient } from '@tanstack/react-query'
import { useCallback, useState } from 'react'
import { errorMessage } from '../api'
import type { Progress } from '../bindings/Progress'
import { type IndexState, foldProgress } from './progress'

export function useIndexing() {
  const client = useQueryClient()
  const [progress, setProgress] = useState<IndexState | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [running, setRunning] = useState(false)

  const run = useCallback(
    async <T,>(work: (onProgress: (p: Progress) => void) => Promise<T>): Promise<T | undefined> => {
      setRunning(true)
      setError(null)
      setProgress({ label: 'Starting…', done: 0, total: null })
      try {
        const result = await work((event) => setProgress((state) => foldProgress(state, event)))
        await client.invalidateQueries()
        return result
      } catch (e) {
        setError(errorMessage(e))
        await client.invalidateQueries()
        return undefined
      } finally {
        setRunning(false)
        setProgress(null)
      }
    },
    [client],
  )
  return { run, progress, error, running, setError }
}
