// Syntax highlighting with highlight.js (only the grammars Greenroom shows).
import hljs from 'highlight.js/lib/core'
import graphql from 'highlight.js/lib/languages/graphql'
import json from 'highlight.js/lib/languages/json'
import protobuf from 'highlight.js/lib/languages/protobuf'
import yaml from 'highlight.js/lib/languages/yaml'

hljs.registerLanguage('yaml', yaml)
hljs.registerLanguage('json', json)
hljs.registerLanguage('graphql', graphql)
hljs.registerLanguage('protobuf', protobuf)

/** Highlighted HTML split into lines, each line's open spans closed and reopened so that
 * every line stands alone (for line numbers). highlight.js escapes the source text. */
export function highlightLines(text: string, language: string): string[] {
  const html = hljs.getLanguage(language)
    ? hljs.highlight(text, { language, ignoreIllegals: true }).value
    : escapeHtml(text)
  const lines: string[] = []
  let open: string[] = []
  for (const raw of html.split('\n')) {
    const line = open.join('') + raw
    for (const tag of raw.matchAll(/<span[^>]*>|<\/span>/g)) {
      if (tag[0] === '</span>') open.pop()
      else open.push(tag[0])
    }
    lines.push(line + '</span>'.repeat(open.length))
  }
  open = []
  return lines
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
