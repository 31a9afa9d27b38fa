// The wizard's widgets for Backstage's field extensions, backed by the local catalog:
// OwnerPicker and EntityPicker (narrowed by `catalogFilter`), a list input for tags and
// several refs, and RepoUrlPicker, which also asks where on this machine the project goes.
import { useQuery } from '@tanstack/react-query'
import type { WidgetProps } from '@rjsf/utils'
import { useMemo, useState } from 'react'
import { api } from '../api'
import type { EntitySummary } from '../bindings/EntitySummary'
import { createApi } from '../createApi'
import { kindLabel } from '../lib/refs'
import { completeRef, formatRepoUrl, parseRepoUrl, pickerQueries, refOf } from '../lib/templateForm'

/** What the wizard shares with its widgets. */
export interface WizardContext {
  /** The folder new projects go in. */
  parentFolder: string
  setParentFolder: (folder: string) => void
}

/** Most options a picker lists at once. */
const SHOWN = 40

function useCatalogOptions(options: Record<string, unknown>, defaultKinds: string[]) {
  const queries = useMemo(() => pickerQueries(options, defaultKinds), [options, defaultKinds])
  return useQuery({
    queryKey: ['picker', queries],
    queryFn: async () => {
      const pages = await Promise.all(queries.map((q) => api.listEntities(q)))
      const byKey = new Map<string, EntitySummary>()
      for (const page of pages) for (const item of page.items) byKey.set(item.key, item)
      return [...byKey.values()]
    },
  })
}

function EntityCombo(props: WidgetProps & { defaultKinds: string[] }) {
  const { id, value, onChange, onBlur, options, required, disabled, readonly, defaultKinds, autofocus } = props
  const entities = useCatalogOptions(options as Record<string, unknown>, defaultKinds)
  const [typed, setTyped] = useState<string | null>(null)
  const [open, setOpen] = useState(false)
  const selected = entities.data?.find((e) => refOf(e) === value || e.key === String(value ?? '').toLowerCase())
  const text = typed ?? (selected ? `${selected.title ?? selected.name} (${refOf(selected)})` : String(value ?? ''))
  const words = (typed ?? '').toLowerCase().split(/\s+/).filter(Boolean)
  const matches = (entities.data ?? []).filter((e) => {
    const hay = `${e.title ?? ''} ${e.name} ${e.key} ${e.description ?? ''}`.toLowerCase()
    return words.every((w) => hay.includes(w))
  })
  const defaultKind = (options.defaultKind as string | undefined) ?? defaultKinds[0]
  const defaultNamespace = (options.defaultNamespace as string | undefined) ?? 'default'
  const choose = (entity: EntitySummary) => {
    onChange(refOf(entity))
    setTyped(null)
    setOpen(false)
  }
  return (
    <div className="entity-combo">
      <input
        id={id}
        type="text"
        role="combobox"
        aria-expanded={open}
        aria-controls={`${id}-options`}
        autoFocus={autofocus}
        required={required}
        disabled={disabled || readonly}
        value={text}
        placeholder={entities.data && entities.data.length === 0 ? 'No matching entity in the catalog; type a ref' : 'Type to find in the catalog'}
        onFocus={() => setOpen(true)}
        onChange={(e) => {
          setTyped(e.target.value)
          setOpen(true)
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && open && matches[0]) {
            e.preventDefault()
            choose(matches[0])
          }
          if (e.key === 'Escape') setOpen(false)
        }}
        onBlur={() => {
          // A ref typed by hand is kept (Backstage allows arbitrary values by default).
          window.setTimeout(() => setOpen(false), 150)
          if (typed !== null) {
            const ref = completeRef(typed, defaultKind, defaultNamespace)
            if (options.allowArbitraryValues !== false || !ref) onChange(ref || undefined)
            setTyped(null)
            onBlur(id, ref)
          }
        }}
      />
      {open && !disabled && !readonly && (
        <ul className="entity-options" id={`${id}-options`} role="listbox">
          {entities.isLoading && <li className="muted small">Loading…</li>}
          {entities.data && matches.length === 0 && <li className="muted small">Nothing in the catalog matches.</li>}
          {matches.slice(0, SHOWN).map((e) => (
            <li key={e.key} role="option" aria-selected={selected?.key === e.key}>
              <button type="button" data-ref={e.key} onMouseDown={(ev) => ev.preventDefault()} onClick={() => choose(e)}>
                <span className="kind">{kindLabel(e.kind)}</span>
                <strong>{e.title ?? e.name}</strong>
                <span className="muted small mono">{refOf(e)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

const OWNER_KINDS = ['Group', 'User']
const ANY_KIND: string[] = []

export function OwnerPicker(props: WidgetProps) {
  return <EntityCombo {...props} defaultKinds={OWNER_KINDS} />
}

export function EntityPicker(props: WidgetProps) {
  return <EntityCombo {...props} defaultKinds={ANY_KIND} />
}

/** Tags or several refs, typed as a comma-separated list. */
export function ListInput({ id, value, onChange, required, disabled, readonly, placeholder }: WidgetProps) {
  const [typed, setTyped] = useState<string | null>(null)
  const list = Array.isArray(value) ? (value as unknown[]).map(String) : []
  return (
    <input
      id={id}
      type="text"
      required={required}
      disabled={disabled || readonly}
      placeholder={placeholder || 'Separate values with commas'}
      value={typed ?? list.join(', ')}
      onChange={(e) => {
        setTyped(e.target.value)
        const items = e.target.value.split(',').map((s) => s.trim()).filter(Boolean)
        onChange(items.length > 0 ? items : undefined)
      }}
      onBlur={() => setTyped(null)}
    />
  )
}

/** A repository: host, owner and name, written as Backstage's RepoUrlPicker writes it, and
 * the folder on this machine where the project is created. */
export function RepoUrlPicker({ id, value, onChange, options, disabled, readonly, registry }: WidgetProps) {
  const context = registry.formContext as WizardContext | undefined
  const parsed = parseRepoUrl(value)
  const hosts = Array.isArray(options.allowedHosts) && options.allowedHosts.length > 0 ? (options.allowedHosts as string[]) : ['github.com']
  const owners = Array.isArray(options.allowedOwners) ? (options.allowedOwners as string[]) : []
  const repo = { ...parsed, host: parsed.host || hosts[0] }
  const set = (change: Partial<typeof repo>) => onChange(formatRepoUrl({ ...repo, ...change }))
  const off = disabled || readonly
  return (
    <div className="repo-picker" id={id}>
      <label>
        Host
        <select id={`${id}-host`} value={repo.host} disabled={off} onChange={(e) => set({ host: e.target.value })}>
          {hosts.map((h) => (
            <option key={h} value={h}>{h}</option>
          ))}
        </select>
      </label>
      <label>
        Owner
        {owners.length > 0 ? (
          <select id={`${id}-owner`} value={repo.owner} disabled={off} onChange={(e) => set({ owner: e.target.value })}>
            <option value="" />
            {owners.map((o) => (
              <option key={o} value={o}>{o}</option>
            ))}
          </select>
        ) : (
          <input id={`${id}-owner`} type="text" value={repo.owner} disabled={off} placeholder="organisation or user" onChange={(e) => set({ owner: e.target.value })} />
        )}
      </label>
      <label>
        Repository
        <input id={`${id}-repo`} type="text" value={repo.repo} disabled={off} placeholder="name" onChange={(e) => set({ repo: e.target.value })} />
      </label>
      {context && (
        <div className="repo-target">
          <label>
            On this machine, in
            <span className="repo-target-row">
              <input
                id={`${id}-folder`}
                type="text"
                className="mono"
                value={context.parentFolder}
                disabled={off}
                placeholder="/home/you/src"
                onChange={(e) => context.setParentFolder(e.target.value)}
              />
              <button
                type="button"
                className="button"
                disabled={off}
                onClick={() => void createApi.pickFolder().then((folder) => folder && context.setParentFolder(folder))}
              >
                Choose…
              </button>
            </span>
          </label>
          <p className="muted small">
            The project is created in <span className="mono">{context.parentFolder ? `${context.parentFolder.replace(/\/+$/, '')}/` : ''}{repo.repo || '…'}</span>
            , with <span className="mono">origin</span> set to{' '}
            <span className="mono">https://{repo.host}/{repo.owner ? `${repo.owner}/` : ''}{repo.repo || '…'}</span>; nothing is pushed.
          </p>
        </div>
      )}
    </div>
  )
}

/** EntityNamePicker: a plain text input; the schema's pattern says which names fit. */
export function EntityNamePicker(props: WidgetProps) {
  const Text = props.registry.widgets.TextWidget
  return <Text {...props} />
}
