import { clearMocks, mockIPC } from '@tauri-apps/api/mocks'
import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { MemoryRouter, Route, Routes, useLocation } from 'react-router'
import { afterEach, describe, expect, it } from 'vitest'
import { CommandPalette } from './CommandPalette'

function Where() {
  return <div data-testid="where">{useLocation().pathname}</div>
}

describe('the command palette', () => {
  afterEach(() => clearMocks())

  it('finds entities through the search command and opens the chosen one', async () => {
    const asked: unknown[] = []
    mockIPC((cmd, args) => {
      if (cmd === 'search_entities') {
        asked.push(args)
        return [
          { key: 'api:default/orders-api', kind: 'API', namespace: 'default', name: 'orders-api', title: 'Orders API', description: null, score: 0 },
        ]
      }
      return null
    })
    render(
      <MemoryRouter>
        <CommandPalette open onOpenChange={() => {}} />
        <Routes>
          <Route path="*" element={<Where />} />
        </Routes>
      </MemoryRouter>,
    )
    fireEvent.change(screen.getByPlaceholderText(/Find an entity/), { target: { value: 'orders' } })
    const item = await screen.findByText('Orders API')
    expect(asked).toEqual([{ text: 'orders', limit: 12 }])
    fireEvent.click(item)
    await waitFor(() => expect(screen.getByTestId('where').textContent).toBe('/entity/api/default/orders-api'))
  })
})
