import { describe, expect, it } from 'vitest'
import { matchPage, resolveDocLink, rewriteImages } from './docsLinks'

const pages = ['', 'guide/install/', 'guide/configure/', 'api/', 'r%C3%A9sum%C3%A9/']

describe('links in docs pages', () => {
  it('moves between pages, keeping the heading to jump to', () => {
    expect(resolveDocLink('../configure/#ports', 'guide/install/', pages)).toEqual({ kind: 'page', url: 'guide/configure/', anchor: 'ports' })
    expect(resolveDocLink('guide/install/', '', pages)).toEqual({ kind: 'page', url: 'guide/install/', anchor: null })
    expect(resolveDocLink('../../', 'guide/install/', pages)).toEqual({ kind: 'page', url: '', anchor: null })
    expect(resolveDocLink('../../api/index.html', 'guide/install/', pages)).toEqual({ kind: 'page', url: 'api/', anchor: null })
  })

  it('treats a link to a heading of the same page as an in-page jump', () => {
    expect(resolveDocLink('#linux', 'guide/install/', pages)).toEqual({ kind: 'anchor', anchor: 'linux' })
    expect(resolveDocLink('./#linux', 'guide/install/', pages)).toEqual({ kind: 'anchor', anchor: 'linux' })
    expect(resolveDocLink('#', 'guide/install/', pages)).toEqual({ kind: 'none' })
  })

  it('matches pages whose URLs are percent-encoded', () => {
    expect(matchPage('résumé/', pages)).toBe('r%C3%A9sum%C3%A9/')
    expect(resolveDocLink('r%C3%A9sum%C3%A9/#fr', '', pages)).toEqual({ kind: 'page', url: 'r%C3%A9sum%C3%A9/', anchor: 'fr' })
  })

  it('sends web links out and refuses other schemes', () => {
    expect(resolveDocLink('https://example.com/x', '', pages)).toEqual({ kind: 'external', url: 'https://example.com/x' })
    expect(resolveDocLink('//evil.example/x', '', pages)).toEqual({ kind: 'external', url: 'https://evil.example/x' })
    expect(resolveDocLink('javascript:alert(1)', '', pages)).toEqual({ kind: 'none' })
    expect(resolveDocLink('file:///etc/passwd', '', pages)).toEqual({ kind: 'none' })
  })

  it('names other files of the site by their site path', () => {
    expect(resolveDocLink('../files/spec.pdf', 'guide/install/', pages)).toEqual({ kind: 'file', path: 'guide/files/spec.pdf' })
    // Climbing above the site root stays at the root.
    expect(resolveDocLink('../../../../x.png', 'guide/install/', pages)).toEqual({ kind: 'file', path: 'x.png' })
  })

  it('loads relative images from the docs protocol and leaves the others alone', () => {
    const html = '<p><img src="../img/flow.png" alt="flow"><img src="data:image/png;base64,AA=="><img src="https://cdn.example/x.png"></p>'
    const out = rewriteImages(html, 'greenroom-docs://localhost/abc/', 'guide/install/')
    const template = document.createElement('template')
    template.innerHTML = out
    const sources = [...template.content.querySelectorAll('img')].map((img) => img.getAttribute('src'))
    expect(sources).toEqual(['greenroom-docs://localhost/abc/guide/img/flow.png', 'data:image/png;base64,AA==', 'https://cdn.example/x.png'])
  })
})
