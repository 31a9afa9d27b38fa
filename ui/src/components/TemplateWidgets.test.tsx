import Form from '@rjsf/core'
import type { RJSFSchema, UiSchema } from '@rjsf/utils'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks'
import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { schemaValidator } from '../lib/schemaValidator'
import { templateWidgets } from './templateWidgetRegistry'

const schema: RJSFSchema = {
  type: 'object',
  required: ['owner'],
  properties: {
    owner: { title: 'Owner', type: 'string' },
    repoUrl: { title: 'Repository', type: 'string' },
  },
}
const uiSchema: UiSchema = {
  owner: { 'ui:widget': 'OwnerPicker', 'ui:options': { catalogFilter: { kind: ['Group'] } } },
  repoUrl: { 'ui:widget': 'RepoUrlPicker', 'ui:options': { allowedHosts: ['github.com', 'gitlab.example.com'] } },
}

const group = (name: string, title: string) => ({
  key: `group:default/${name}`,
  kind: 'Group',
  namespace: 'default',
  name,
  title,
  description: null,
  type: 'team',
  lifecycle: null,
  owner: null,
  system: null,
  tags: [],
  source_id: 1,
  error_count: 0,
})

describe('the wizard widgets', () => {
  afterEach(() => clearMocks())

  it('pick an owner from the catalog by catalogFilter and write RepoUrlPicker values', async () => {
    const asked: unknown[] = []
    mockIPC((cmd, args) => {
      if (cmd === 'list_entities') {
        asked.push((args as { query: { kinds: string[] } }).query.kinds)
        return { items: [group('payments-team', 'Payments Team'), group('platform', 'Platform')], total: 2 }
      }
      return null
    })
    let data: Record<string, unknown> = {}
    let folder = '/home/me/src'
    render(
      <QueryClientProvider client={new QueryClient()}>
        <Form
          schema={schema}
          uiSchema={uiSchema}
          validator={schemaValidator}
          widgets={templateWidgets}
          formContext={{ parentFolder: folder, setParentFolder: (f: string) => (folder = f) }}
          idPrefix="field"
          onChange={(e) => (data = e.formData as Record<string, unknown>)}
        />
      </QueryClientProvider>,
    )
    const owner = document.getElementById('field_owner')!
    fireEvent.focus(owner)
    fireEvent.change(owner, { target: { value: 'paym' } })
    const option = await screen.findByText('Payments Team')
    expect(screen.queryByText('Platform')).toBeNull()
    fireEvent.click(option)
    await waitFor(() => expect(data.owner).toBe('group:default/payments-team'))
    expect(asked).toEqual([['group']])

    fireEvent.change(document.getElementById('field_repoUrl-host')!, { target: { value: 'gitlab.example.com' } })
    fireEvent.change(document.getElementById('field_repoUrl-owner')!, { target: { value: 'acme' } })
    fireEvent.change(document.getElementById('field_repoUrl-repo')!, { target: { value: 'orders' } })
    await waitFor(() => expect(data.repoUrl).toBe('gitlab.example.com?owner=acme&repo=orders'))
    expect(screen.getByText(/origin/).parentElement?.textContent).toContain('/home/me/src/orders')
  })

  it('keep a ref typed by hand, completed with the default kind', async () => {
    mockIPC((cmd) => (cmd === 'list_entities' ? { items: [], total: 0 } : null))
    let data: Record<string, unknown> = {}
    render(
      <QueryClientProvider client={new QueryClient()}>
        <Form schema={schema} uiSchema={uiSchema} validator={schemaValidator} widgets={templateWidgets} idPrefix="field" onChange={(e) => (data = e.formData as Record<string, unknown>)} />
      </QueryClientProvider>,
    )
    const owner = document.getElementById('field_owner')!
    fireEvent.focus(owner)
    fireEvent.change(owner, { target: { value: 'sre' } })
    fireEvent.blur(owner)
    await waitFor(() => expect(data.owner).toBe('group:default/sre'))
  })
})
