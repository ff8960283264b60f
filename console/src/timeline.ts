// The timeline drawn on a time axis: every event a tick, the runbook's marks T0-T3 as labelled lines,
// with the list of events beside it as the accessible (and exact) reading of the same data.
import { h, svg } from './dom';
import { duration, utc } from './format';
import type { TimelineEvent } from './types';

const WIDTH = 1000;
const LEFT = 20;
const RIGHT = 980;

export function timelineView(events: readonly TimelineEvent[]): HTMLElement {
  const times = events.map((e) => Date.parse(e.at)).filter((t) => Number.isFinite(t));
  const start = Math.min(...times);
  const end = Math.max(...times);
  const span = end - start || 1;
  const x = (at: string) => LEFT + ((Date.parse(at) - start) / span) * (RIGHT - LEFT);
  const marks = events.filter((e) => e.mark !== undefined);
  const first = events[0]?.at;
  const axis = svg(
    'svg',
    { viewBox: `0 0 ${WIDTH} 110`, class: 'timeline-axis', role: 'img', 'aria-labelledby': 'timeline-axis-title' },
    svg(
      'title',
      { id: 'timeline-axis-title' },
      `Timeline from ${utc(first)} over ${duration(first, events.at(-1)?.at)}: ${marks.map((m) => `${m.mark} at ${utc(m.at)}`).join(', ') || 'no marks yet'}`,
    ),
    svg('line', { x1: LEFT, x2: RIGHT, y1: 70, y2: 70, class: 'axis' }),
    ...events.map((e) => svg('circle', { cx: x(e.at).toFixed(1), cy: 70, r: 4, class: e.mark ? 'event mark' : 'event' })),
    ...marks.flatMap((e) => [
      svg('line', { x1: x(e.at).toFixed(1), x2: x(e.at).toFixed(1), y1: 22, y2: 80, class: 'mark-line' }),
      svg('text', { x: x(e.at).toFixed(1), y: 16, 'text-anchor': 'middle', class: 'mark-label', 'data-mark': e.mark ?? '' }, e.mark ?? ''),
    ]),
    svg('text', { x: LEFT, y: 100, class: 'axis-label' }, utc(first)),
    svg('text', { x: RIGHT, y: 100, 'text-anchor': 'end', class: 'axis-label' }, `+${duration(first, events.at(-1)?.at)}`),
  );
  const list = h(
    'ol',
    { class: 'timeline-list' },
    ...events.map((e) =>
      h(
        'li',
        { class: e.mark ? 'marked' : undefined },
        h('time', { 'data-at': e.at }, utc(e.at)),
        ' ',
        e.mark ? h('strong', { class: 'mark-badge' }, e.mark) : undefined,
        ' ',
        h('span', { class: 'kind' }, e.kind),
        ' ',
        e.summary,
        h('span', { class: 'muted' }, ` — ${e.actor}`),
      ),
    ),
  );
  return h(
    'section',
    { 'aria-labelledby': 'timeline-title', class: 'timeline' },
    h('h2', { id: 'timeline-title' }, 'Timeline'),
    axis,
    list,
  );
}
