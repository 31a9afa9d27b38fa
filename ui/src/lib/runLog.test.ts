import { describe, expect, it } from 'vitest'
import type { TemplateProgress } from '../bindings/TemplateProgress'
import { foldRunLog } from './runLog'

describe('the run log', () => {
  it('follows steps as they start, log, finish or are skipped', () => {
    const events: TemplateProgress[] = [
      { type: 'stepStarted', index: 0, total: 3, id: 'fetch', name: 'Generate', action: 'fetch:template' },
      { type: 'log', step: 'fetch', line: 'Wrote 12 files' },
      { type: 'stepFinished', id: 'fetch' },
      { type: 'stepStarted', index: 1, total: 3, id: 'publish', name: 'Publish', action: 'publish:github' },
      { type: 'stepFinished', id: 'publish' },
      { type: 'stepSkipped', id: 'notify', reason: 'its if is false' },
    ]
    const log = events.reduce(foldRunLog, [])
    expect(log.map((s) => [s.id, s.status])).toEqual([
      ['fetch', 'done'],
      ['publish', 'done'],
      ['notify', 'skipped'],
    ])
    expect(log[0].lines).toEqual(['Wrote 12 files'])
    expect(log[2].note).toBe('its if is false')
  })
})
