// A template run's progress events folded into the step-by-step log the wizard shows.
import type { TemplateProgress } from '../bindings/TemplateProgress'

/** One step of the log. */
export interface RunLogStep {
  id: string
  name: string
  action: string
  status: 'running' | 'done' | 'skipped'
  /** Why it was skipped, or what it is doing. */
  note: string | null
  lines: string[]
}

/** Adds one event to the log (a new array; steps are replaced, not changed in place). */
export function foldRunLog(steps: RunLogStep[], event: TemplateProgress): RunLogStep[] {
  const update = (id: string | null, change: (step: RunLogStep) => RunLogStep) => {
    const at = id === null ? steps.length - 1 : steps.findIndex((s) => s.id === id)
    if (at < 0) return steps
    const next = steps.slice()
    next[at] = change(steps[at])
    return next
  }
  switch (event.type) {
    case 'stepStarted':
      return [...steps.filter((s) => s.id !== event.id), { id: event.id, name: event.name, action: event.action, status: 'running', note: null, lines: [] }]
    case 'stepSkipped': {
      const known = steps.some((s) => s.id === event.id)
      const skipped = (s: RunLogStep): RunLogStep => ({ ...s, status: 'skipped', note: event.reason })
      return known
        ? update(event.id, skipped)
        : [...steps, { id: event.id, name: event.id, action: '', status: 'skipped', note: event.reason, lines: [] }]
    }
    case 'log':
      return update(event.step ?? null, (s) => ({ ...s, lines: [...s.lines, event.line] }))
    case 'stepFinished':
      return update(event.id, (s) => ({ ...s, status: s.status === 'skipped' ? 'skipped' : 'done' }))
    case 'committing':
      return [...steps, { id: '__commit', name: 'Move the project into place', action: String(event.target), status: 'done', note: null, lines: [] }]
  }
}
