import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { Progress } from '../bindings/Progress'
import { type IndexState, foldProgress } from '../lib/progress'
import { ProgressBar } from './ProgressBar'

describe('index progress', () => {
  it('adds the events of an index up to a bar', () => {
    const events: Progress[] = [
      { kind: 'sourceStarted', sourceId: 1, name: 'src', position: 1, count: 1 },
      { kind: 'discovered', sourceId: 1, repos: 4 },
      { kind: 'scanned', sourceId: 1, done: 1, total: 4, repo: 'orders', changed: true },
      { kind: 'scanned', sourceId: 1, done: 3, total: 4, repo: 'ledger', changed: false },
    ]
    let state: IndexState | null = null
    for (const event of events) state = foldProgress(state, event)
    expect(state).toEqual({ label: 'Reading ledger', done: 3, total: 4 })
    render(<ProgressBar state={state!} />)
    expect(screen.getByText('3 / 4 repositories')).toBeTruthy()
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('3')
  })

  it('is indeterminate until the repositories are counted', () => {
    const state = foldProgress(null, { kind: 'sourceStarted', sourceId: 1, name: 'src', position: 1, count: 1 })
    const { container } = render(<ProgressBar state={state} />)
    expect(container.querySelector('.progress.indeterminate')).not.toBeNull()
  })
})
