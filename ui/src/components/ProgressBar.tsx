import type { IndexState } from '../lib/progress'

/** A progress bar with its label; indeterminate until the total is known. */
export function ProgressBar({ state }: { state: IndexState }) {
  const fraction = state.total ? Math.min(1, state.done / state.total) : 0
  return (
    <div role="progressbar" aria-valuemin={0} aria-valuemax={state.total ?? undefined} aria-valuenow={state.done} aria-label={state.label}>
      <div className="small muted" style={{ marginBottom: 6, display: 'flex', justifyContent: 'space-between', gap: 12 }}>
        <span style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{state.label}</span>
        {state.total ? <span>{state.done} / {state.total} {state.unit ?? 'repositories'}</span> : null}
      </div>
      <div className={`progress${state.total ? '' : ' indeterminate'}`}>
        <div style={{ width: `${fraction * 100}%` }} />
      </div>
    </div>
  )
}
