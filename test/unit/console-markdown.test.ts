// The console's Markdown reader (console/src/markdown-parse.ts): the report's shapes parse into plain
// data, and hostile text (HTML, script, javascript: links) stays text or an inert link for the
// text-node renderer; no input makes it throw.
import fc from 'fast-check';
import { parseInline, parseMarkdown, type Block, type Inline } from '../../console/src/markdown-parse';

function text(inlines: readonly Inline[]): string {
  return inlines.map((i) => (i.kind === 'text' || i.kind === 'code' ? i.text : text(i.children))).join('');
}

test('headings, paragraphs, lists, tables, code and quotes', () => {
  const blocks = parseMarkdown(
    [
      '# Incident 01ABC',
      '',
      'Avery was **contained** in *143 ms*.',
      'Second line of the paragraph.',
      '',
      '## Timeline',
      '| Mark | At |',
      '|---|:--:|',
      '| T0 | 01:49:10 |',
      '| T1 | a \\| b |',
      '',
      '- first',
      '- second with `code`',
      '  continued',
      '1. one',
      '2. two',
      '',
      '```kql',
      'SigninLogs | where IPAddress == "198.51.100.23"',
      '```',
      '> note: 72 hours',
      '---',
    ].join('\n'),
  );
  expect(blocks.map((b) => b.kind)).toEqual(['heading', 'paragraph', 'heading', 'table', 'list', 'list', 'code', 'quote', 'rule']);
  const [h1, paragraph, , table, bullets, numbered, code] = blocks as [
    Extract<Block, { kind: 'heading' }>,
    Extract<Block, { kind: 'paragraph' }>,
    Block,
    Extract<Block, { kind: 'table' }>,
    Extract<Block, { kind: 'list' }>,
    Extract<Block, { kind: 'list' }>,
    Extract<Block, { kind: 'code' }>,
  ];
  expect(h1.level).toBe(1);
  expect(text(paragraph.content)).toBe('Avery was contained in 143 ms. Second line of the paragraph.');
  expect(paragraph.content.map((i) => i.kind)).toEqual(['text', 'strong', 'text', 'em', 'text']);
  expect(table.header.map(text)).toEqual(['Mark', 'At']);
  expect(table.rows.map((row) => row.map(text))).toEqual([
    ['T0', '01:49:10'],
    ['T1', 'a | b'],
  ]);
  expect(bullets.ordered).toBe(false);
  expect(bullets.items.map(text)).toEqual(['first', 'second with code continued']);
  expect(numbered.ordered).toBe(true);
  expect(code).toEqual({ kind: 'code', language: 'kql', text: 'SigninLogs | where IPAddress == "198.51.100.23"' });
});

test('HTML and script in the source stay text', () => {
  const source = 'Inbox rule <img src=x onerror=alert(1)> and <script>alert(1)</script>';
  expect(parseInline(source)).toEqual([{ kind: 'text', text: source }]);
  const [block] = parseMarkdown('<div onclick="x()">hi</div>');
  expect(block).toEqual({ kind: 'paragraph', content: [{ kind: 'text', text: '<div onclick="x()">hi</div>' }] });
});

test('a link keeps its address as data (the renderer shows it, never navigates to it)', () => {
  expect(parseInline('see [the login page](javascript:alert(1))')).toEqual([
    { kind: 'text', text: 'see ' },
    { kind: 'link', children: [{ kind: 'text', text: 'the login page' }], url: 'javascript:alert(1' },
    { kind: 'text', text: ')' },
  ]);
});

test('snake_case names are not emphasis; escaped markers are literal', () => {
  expect(parseInline('mail_items_accessed')).toEqual([{ kind: 'text', text: 'mail_items_accessed' }]);
  expect(parseInline('\\*not em\\*')).toEqual([{ kind: 'text', text: '*not em*' }]);
});

test('any input parses, ends, and yields only known blocks', () => {
  const kinds = new Set(['heading', 'paragraph', 'list', 'code', 'quote', 'table', 'rule']);
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'#|-*_`>[]() \n\\1.ab<'.split('')), maxLength: 200 }), (source) => {
      for (const block of parseMarkdown(source)) expect(kinds.has(block.kind)).toBe(true);
    }),
  );
});
