import { useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { api, errorMessage } from '../api'
import type { SourceRecord } from '../bindings/SourceRecord'
import { plural } from '../lib/format'

interface Props {
  source: SourceRecord
  /** What goes besides the entities, e.g. "and the cache". */
  also?: string
  disabled: boolean
  onError: (message: string) => void
}

/** Remove, then a confirmation that says how many entities go (or Keep). */
export function RemoveSource({ source, also, disabled, onError }: Props) {
  const client = useQueryClient()
  const [confirming, setConfirming] = useState(false)
  const remove = async () => {
    try {
      await api.removeSource(source.id)
      await client.invalidateQueries()
    } catch (e) {
      onError(errorMessage(e))
    }
  }
  if (!confirming) {
    return (
      <button className="button ghost danger" onClick={() => setConfirming(true)} disabled={disabled} data-action="remove">
        Remove
      </button>
    )
  }
  return (
    <>
      <button className="button danger" onClick={() => void remove()} data-action="confirm-remove">
        Remove {plural(source.entity_count, 'entity', 'entities')}
        {also ? ` ${also}` : ''}
      </button>
      <button className="button ghost" onClick={() => setConfirming(false)}>
        Keep
      </button>
    </>
  )
}
