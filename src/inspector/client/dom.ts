/** Small DOM helpers: typed lookups and element building without innerHTML. */

/** The element with `id`, checked to be of `type`. @throws Error naming the id when it is missing or of another type. */
export function byId<T extends Element>(id: string, type: { new (): T; prototype: T }): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`The inspector page has no ${type.name} #${id}`);
  return element;
}

/** What an element is built with. */
export interface ElementSpec {
  readonly className?: string;
  readonly text?: string;
  readonly title?: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly children?: readonly (Node | string | null)[];
}

/** A new element; text is set as text, never parsed as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, spec: ElementSpec = {}): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (spec.className !== undefined) element.className = spec.className;
  if (spec.text !== undefined) element.textContent = spec.text;
  if (spec.title !== undefined) element.title = spec.title;
  for (const [name, value] of Object.entries(spec.attributes ?? {})) element.setAttribute(name, value);
  for (const child of spec.children ?? []) {
    if (child !== null) element.append(child);
  }
  return element;
}

/** Local time of day, `14:30:05`, for an ISO time or epoch ms. */
export function timeOfDay(at: string | number): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? String(at) : date.toLocaleTimeString([], { hour12: false });
}
