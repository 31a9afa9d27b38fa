import { Link } from 'react-router'
import { entityPath, shortRef } from '../lib/refs'

/** A link to an entity's page, or its name struck through when the catalog lacks it. */
export function EntityLink({ entityRef, title, missing, impliedKind }: {
  entityRef: string
  title?: string | null
  missing?: boolean
  impliedKind?: string
}) {
  const label = title ?? shortRef(entityRef, impliedKind)
  if (missing) {
    return (
      <span className="missing" title={`${entityRef} is not in the catalog`}>
        {shortRef(entityRef, impliedKind)}
      </span>
    )
  }
  return (
    <Link to={entityPath(entityRef)} title={entityRef} data-ref={entityRef}>
      {label}
    </Link>
  )
}
