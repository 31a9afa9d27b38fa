// Mermaid diagrams in docs pages, drawn in the window from the bundled mermaid package
// (loaded only when a page has a diagram). The renderer leaves each diagram's text in a
// `<pre class="mermaid">`; a diagram that does not parse stays as text with the reason.
let counter = 0

/** Draws every `pre.mermaid` under `root`. */
export async function renderDiagrams(root: HTMLElement, dark: boolean): Promise<void> {
  const blocks = [...root.querySelectorAll<HTMLElement>('pre.mermaid')]
  if (blocks.length === 0) return
  const mermaid = (await import('mermaid')).default
  // `strict` keeps diagram text from adding scripts or event handlers.
  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: dark ? 'dark' : 'default' })
  for (const block of blocks) {
    const text = block.textContent ?? ''
    try {
      counter += 1
      const { svg } = await mermaid.render(`gr-mermaid-${counter}`, text)
      if (!block.isConnected) return
      const figure = document.createElement('div')
      figure.className = 'mermaid-diagram'
      figure.innerHTML = svg
      block.replaceWith(figure)
    } catch (e) {
      block.classList.add('mermaid-error')
      block.title = `This diagram could not be drawn: ${e instanceof Error ? e.message : String(e)}`
    }
  }
}
