import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { api, errorMessage } from '../api'
import type { SnapshotSource } from '../bindings/SnapshotSource'
import type { SourceRecord } from '../bindings/SourceRecord'
import { count, plural, timeAgo } from '../lib/format'
import { snapshotsApi } from '../snapshotsApi'
import { ProblemsByFile } from './ProblemsByFile'
import { RemoveSource } from './RemoveSource'

/** Folders have priority 100: a snapshot above that wins conflicts with them. */
const LOCAL_PRIORITY = 100

interface Props {
  source: SourceRecord
  /** What the snapshot remembers (origin, age, signer), once loaded. */
  snapshot: SnapshotSource | undefined
  busy: boolean
}

/** An imported snapshot: who made it and when, who signed it, which side wins conflicts with
 * your own sources, the conflicts themselves, and remove. */
export function SnapshotSourceCard({ source, snapshot, busy }: Props) {
  const client = useQueryClient()
  const [error, setError] = useState<string | null>(null)
  const problems = useQuery({
    queryKey: ['source-problems', source.id],
    queryFn: () => api.sourceProblems(source.id),
    enabled: source.error_count + source.warning_count > 0,
  })
  const settings = snapshot?.snapshot
  const signer = settings?.signer
  const subscription = settings?.subscription
  const snapshotWins = source.priority > LOCAL_PRIORITY
  const act = async (work: Promise<unknown>) => {
    setError(null)
    try {
      await work
      await client.invalidateQueries()
    } catch (e) {
      setError(errorMessage(e))
    }
  }
  return (
    <section className="card source" aria-label={source.name} data-source={source.id} data-kind="snapshot">
      <div className="source-head">
        <div>
          <h2>{source.name}</h2>
          <div className="mono small muted">{subscription ? `Follows ${subscription.url}` : (settings?.file ?? source.target)}</div>
        </div>
        <div style={{ display: 'flex', gap: 8 }}>
          <RemoveSource source={source} disabled={busy} onError={setError} />
        </div>
      </div>
      <div className="source-stats">
        <span className="chip">Snapshot</span>
        <Link to={`/?source=${source.id}`}>
          <strong>{count(source.entity_count)}</strong> entities
        </Link>
        {settings && (
          <>
            <span>{plural(settings.counts.pages, 'docs page', 'docs pages')}</span>
            <span title={new Date(settings.createdAt).toLocaleString()} className="snapshot-age">
              Made {timeAgo(settings.createdAt)}
            </span>
            <span>Imported {timeAgo(settings.importedAt)}</span>
          </>
        )}
        <span className={`chip ${signer ? 'badge-ok' : ''}`} title={signer?.publicKey} id={`snapshot-signer-${source.id}`}>
          {signer ? `Signed by ${signer.signer || 'an unnamed signer'} (key ${signer.keyId})` : 'Not signed'}
        </span>
      </div>
      {subscription && (
        <div className="row small muted" style={{ display: 'flex', gap: 10, alignItems: 'center' }}>
          <span>
            {subscription.checkedAt ? `Checked for a newer snapshot ${timeAgo(subscription.checkedAt)}` : 'Not checked yet'}
            {subscription.branch ? ` on ${subscription.branch}` : ''}
          </span>
          <button className="button" disabled={busy} onClick={() => void act(api.index(source.id, () => {}))}>
            Fetch the newest
          </button>
        </div>
      )}
      {subscription?.error && <div className="notice error">{subscription.error}</div>}
      <fieldset className="wins-choice" disabled={busy}>
        <span className="muted">When your own sources define the same entity:</span>
        <label>
          <input
            type="radio"
            name={`wins-${source.id}`}
            checked={!snapshotWins}
            onChange={() => void act(snapshotsApi.setWins(source.id, false))}
          />
          yours win
        </label>
        <label>
          <input
            type="radio"
            name={`wins-${source.id}`}
            checked={snapshotWins}
            onChange={() => void act(snapshotsApi.setWins(source.id, true))}
            id={`snapshot-wins-${source.id}`}
          />
          this snapshot wins
        </label>
      </fieldset>
      {error && <div className="notice error">{error}</div>}
      {problems.data && problems.data.length > 0 && <ProblemsByFile problems={problems.data} />}
    </section>
  )
}
