// Renders the report's Markdown (markdown-parse.ts) as DOM nodes built with text nodes only. Links are
// not made clickable: a report quotes the attacker's URLs, and a SOC console must not turn them into
// one-click navigation; the address is shown as code beside the link text.
import { h, type Child } from './dom';
import { parseMarkdown, type Block, type Inline } from './markdown-parse';

export function renderMarkdown(source: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const block of parseMarkdown(source)) fragment.appendChild(renderBlock(block));
  return fragment;
}

function renderBlock(block: Block): Node {
  switch (block.kind) {
    case 'heading': {
      // The report sits under the page's own h2: its headings start at h3.
      const level = Math.min(6, block.level + 2) as 3 | 4 | 5 | 6;
      return h(`h${level}`, {}, ...inlines(block.content));
    }
    case 'paragraph':
      return h('p', {}, ...inlines(block.content));
    case 'list': {
      const items = block.items.map((item) => h('li', {}, ...inlines(item)));
      return block.ordered ? h('ol', {}, ...items) : h('ul', {}, ...items);
    }
    case 'code':
      return h('pre', {}, h('code', {}, block.text));
    case 'quote':
      return h('blockquote', {}, h('p', {}, ...inlines(block.content)));
    case 'table':
      return h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          {},
          h('thead', {}, h('tr', {}, ...block.header.map((cell) => h('th', { scope: 'col' }, ...inlines(cell))))),
          h('tbody', {}, ...block.rows.map((row) => h('tr', {}, ...row.map((cell) => h('td', {}, ...inlines(cell)))))),
        ),
      );
    case 'rule':
      return h('hr');
  }
}

function inlines(content: readonly Inline[]): Child[] {
  return content.map((inline): Child => {
    switch (inline.kind) {
      case 'text':
        return inline.text;
      case 'code':
        return h('code', {}, inline.text);
      case 'strong':
        return h('strong', {}, ...inlines(inline.children));
      case 'em':
        return h('em', {}, ...inlines(inline.children));
      case 'link':
        return h('span', { class: 'link' }, ...inlines(inline.children), ' ', h('code', {}, `<${inline.url}>`));
    }
  });
}
