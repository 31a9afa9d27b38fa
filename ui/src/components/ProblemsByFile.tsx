import type { ProblemRecord } from '../bindings/ProblemRecord'
import { plural } from '../lib/format'
import { groupByFile } from '../lib/problems'

/** A source's problems grouped by file, each with its line, severity, code and message. */
export function ProblemsByFile({ problems }: { problems: ProblemRecord[] }) {
  const groups = groupByFile(problems)
  return (
    <div className="file-problems" aria-label="Problems by file">
      <h3 style={{ marginBottom: 4 }}>Problems in {plural(groups.length, 'file', 'files')}</h3>
      {groups.map(([file, list]) => (
        <details key={file} open={groups.length <= 3}>
          <summary className="mono small">
            {file}{' '}
            <span className={`chip ${list.some((p) => p.severity === 'error') ? 'badge-error' : 'badge-warning'}`}>
              {list.length}
            </span>
          </summary>
          {list.map((p, i) => (
            <div key={i} className="problem small" style={{ paddingLeft: 14 }}>
              <span className="where">
                {p.line ? `${p.line}:${p.column ?? 1}` : ''} {p.severity} · {p.code}
                {p.field ? ` · ${p.field}` : ''}
              </span>
              <div>
                {p.message}
                {p.entity_ref && (
                  <>
                    {' '}
                    <span className="muted mono">({p.entity_ref})</span>
                  </>
                )}
              </div>
            </div>
          ))}
        </details>
      ))}
    </div>
  )
}
