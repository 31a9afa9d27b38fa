import './lib/startup'
import { QueryClientProvider } from '@tanstack/react-query'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { RouterProvider, createHashRouter } from 'react-router'
import { App } from './App'
import { api } from './api'
import { startLiveRefresh } from './live'
import { queryClient } from './queries'
import { CatalogPage } from './pages/CatalogPage'
import { EntityPage } from './pages/EntityPage'
import { SourcesPage } from './pages/SourcesPage'
import { CreatePage } from './pages/CreatePage'
import { applyTheme, storedTheme, watchSystemTheme } from './lib/theme'
import './index.css'

applyTheme(storedTheme())
// Links to the web (in descriptions, API definitions) open in the system browser.
document.addEventListener('click', (event) => {
  const link = (event.target as Element | null)?.closest?.('a[href]')
  const href = link?.getAttribute('href') ?? ''
  if (/^https?:\/\//i.test(href)) {
    event.preventDefault()
    void api.openLink(href)
  }
})
watchSystemTheme()
startLiveRefresh(queryClient)

const router = createHashRouter([
  {
    path: '/',
    element: <App />,
    children: [
      { index: true, element: <CatalogPage /> },
      { path: 'entity/:kind/:namespace/:name', element: <EntityPage /> },
      { path: 'sources', element: <SourcesPage /> },
      { path: 'create', element: <CreatePage /> },
      // The wizard (and the form library) loads when a template is chosen.
      {
        path: 'create/:namespace/:name',
        lazy: async () => ({ Component: (await import('./pages/TemplateWizard')).TemplateWizard }),
      },
    ],
  },
])

performance.mark('react-start')
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
)
