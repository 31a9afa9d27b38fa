import { describe, expect, it } from 'vitest'
import type { FormPage } from '../bindings/FormPage'
import {
  completeRef,
  formatRepoUrl,
  matchesTemplate,
  parseRepoUrl,
  pickerQueries,
  remoteOf,
  reviewRows,
  splitSecrets,
  targetFolder,
  uiSchemaWithWidgets,
  wizardPath,
} from './templateForm'

const pages: FormPage[] = [
  {
    title: 'About',
    schema: { type: 'object', properties: { name: { title: 'Name', type: 'string' }, owner: { title: 'Owner', type: 'string' }, token: { type: 'string' }, apiKey: { type: 'string' } } },
    uiSchema: { owner: { 'ui:field': 'OwnerPicker', 'ui:options': { catalogFilter: { kind: ['Group'] } } }, token: { 'ui:widget': 'password' }, apiKey: { 'ui:field': 'Secret' } },
    fields: [
      { path: ['owner'], widget: { kind: 'ownerPicker' }, options: { catalogFilter: { kind: ['Group'] } }, secret: false },
      { path: ['token'], widget: { kind: 'password' }, options: {}, secret: true },
      { path: ['apiKey'], widget: { kind: 'secret' }, options: {}, secret: true },
    ],
  },
  {
    title: 'Repository',
    schema: { type: 'object', properties: { repoUrl: { title: 'Repository', type: 'string' } } },
    uiSchema: { repoUrl: { 'ui:field': 'RepoUrlPicker' } },
    fields: [{ path: ['repoUrl'], widget: { kind: 'repoUrlPicker' }, options: {}, secret: false }],
  },
]

describe('the template form', () => {
  it('turns field extensions into the wizard widgets, keeping their options', () => {
    const ui = uiSchemaWithWidgets(pages[0]) as Record<string, Record<string, unknown>>
    expect(ui.owner['ui:widget']).toBe('OwnerPicker')
    expect(ui.owner['ui:field']).toBeUndefined()
    expect(ui.owner['ui:options']).toEqual({ catalogFilter: { kind: ['Group'] } })
    expect(ui.apiKey['ui:widget']).toBe('password')
    expect(pages[0].uiSchema).toHaveProperty('owner.ui:field', 'OwnerPicker')
  })

  it('maps catalogFilter to catalog queries: filters are alternatives, values within one too', () => {
    const queries = pickerQueries({ catalogFilter: [{ kind: ['Group', 'User'], 'spec.type': 'team' }, { kind: 'System', 'metadata.namespace': 'ops' }] }, [])
    expect(queries.map((q) => [q.kinds, q.types, q.namespaces])).toEqual([
      [['group', 'user'], ['team'], []],
      [['system'], [], ['ops']],
    ])
    expect(pickerQueries({}, ['Group', 'User'])[0].kinds).toEqual(['group', 'user'])
    expect(pickerQueries({ allowedKinds: ['Component'] }, ['Group'])[0].kinds).toEqual(['component'])
    expect(pickerQueries({ catalogFilter: { 'spec.owner': 'payments' } }, [])[0].owners).toEqual(['group:default/payments'])
  })

  it('writes refs as Backstage pickers do, completing what was typed', () => {
    expect(completeRef('payments-team', 'Group')).toBe('group:default/payments-team')
    expect(completeRef('ops/sre', 'Group')).toBe('group:ops/sre')
    expect(completeRef('user:default/ada', 'Group')).toBe('user:default/ada')
    expect(completeRef('  ', 'Group')).toBe('')
  })

  it('reads and writes RepoUrlPicker values and shows the remote they lead to', () => {
    const value = 'github.com?owner=acme&repo=orders'
    expect(parseRepoUrl(value)).toEqual({ host: 'github.com', owner: 'acme', repo: 'orders', extra: {} })
    expect(formatRepoUrl(parseRepoUrl(value))).toBe(value)
    expect(formatRepoUrl({ host: 'dev.azure.com', owner: '', repo: 'r', extra: { organization: 'o', project: 'p' } })).toBe('dev.azure.com?organization=o&project=p&repo=r')
    expect(remoteOf(value)).toBe('https://github.com/acme/orders')
    expect(remoteOf('github.com?owner=acme')).toBeNull()
  })

  it('creates the project in a folder named for its repository', () => {
    expect(targetFolder('/home/me/src/', pages, { repoUrl: 'github.com?owner=acme&repo=orders', name: 'x' }, 'tpl')).toBe('/home/me/src/orders')
    expect(targetFolder('/home/me/src', pages.slice(0, 1), { name: 'billing' }, 'tpl')).toBe('/home/me/src/billing')
    expect(targetFolder('/src', [], {}, '../evil')).toBe('/src/-evil')
  })

  it('keeps Secret fields out of the parameters and masks secrets on the review page', () => {
    const values = { name: 'orders', owner: 'group:default/a', token: 'p4ss', apiKey: 'k3y', repoUrl: 'github.com?owner=acme&repo=orders' }
    const { parameters, secrets } = splitSecrets(pages, values)
    expect(secrets).toEqual({ apiKey: 'k3y' })
    expect(parameters).not.toHaveProperty('apiKey')
    expect(parameters.token).toBe('p4ss')
    const rows = reviewRows(pages, values)
    expect(rows.find((r) => r.label === 'token')?.value).toBe('••••••')
    expect(rows.find((r) => r.label === 'Owner')).toEqual({ page: 'About', label: 'Owner', value: 'group:default/a' })
    expect(JSON.stringify(rows)).not.toContain('k3y')
  })

  it('finds templates by words and tag, and routes to their wizard', () => {
    const t = { title: 'Rust HTTP service', name: 'rust-service', description: 'An axum web service', tags: ['rust', 'axum'] }
    expect(matchesTemplate(t, 'axum service', null)).toBe(true)
    expect(matchesTemplate(t, 'python', null)).toBe(false)
    expect(matchesTemplate(t, '', 'rust')).toBe(true)
    expect(matchesTemplate(t, '', 'docs')).toBe(false)
    expect(wizardPath('template:default/rust-service')).toBe('/create/default/rust-service')
  })
})
