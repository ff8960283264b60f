// The console builds every element through this helper: text goes in as text nodes only, never as
// markup, so a server string (an alert title, an inbox rule an attacker named) cannot become HTML.
export type Child = Node | string | number | null | undefined | false;

export interface Attributes {
  class?: string;
  id?: string;
  /** Internal links only (`#/incidents/...`): the console never links to a URL it was sent. */
  href?: `#${string}`;
  type?: string;
  name?: string;
  value?: string;
  for?: string;
  role?: string;
  title?: string;
  hidden?: boolean;
  disabled?: boolean;
  checked?: boolean;
  scope?: string;
  colspan?: number;
  tabindex?: number;
  [aria: `aria-${string}`]: string | undefined;
  [data: `data-${string}`]: string | undefined;
  onclick?: (event: MouseEvent) => void;
  onsubmit?: (event: SubmitEvent) => void;
  onchange?: (event: Event) => void;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes) as Array<[string, string | number | boolean | EventListener | undefined]>) {
    if (value === undefined || value === false) continue;
    if (name === 'onclick' || name === 'onsubmit' || name === 'onchange') {
      element.addEventListener(name.slice(2), value as EventListener);
    } else if (name === 'checked' && element instanceof HTMLInputElement) {
      element.checked = Boolean(value);
    } else if (
      name === 'value' &&
      (element instanceof HTMLInputElement || element instanceof HTMLSelectElement || element instanceof HTMLOptionElement)
    ) {
      element.value = String(value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element with numeric or string attributes (no style attribute: the CSP forbids inline style). */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number> = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  append(element, ...children);
  return element;
}
