import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { App, title } from './App';
import { greeting } from './greeting';

/** React's escaping of text in HTML. */
function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;');
}

describe('App', () => {
  it('renders the title and the welcome text', () => {
    const html = renderToString(<App />);
    expect(html).toContain(`<h1>${escapeHtml(title)}</h1>`);
    expect(html).toContain('Welcome to ${{ values.name }}.');
  });
});

describe('greeting', () => {
  it('counts clicks', () => {
    expect(greeting(1)).toBe('Clicked 1 time.');
    expect(greeting(3)).toBe('Clicked 3 times.');
  });
});
