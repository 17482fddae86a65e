/**
 * The base of every component: one root element found by `data-module`,
 * started at most once (GOV.UK `component.mjs`), with typed look-ups that
 * fail loudly when the page lacks what the component needs.
 */

/** Attributes the page generator writes and the components look for. */
export const Attr = {
  module: 'data-module',
  started: 'data-module-started',
  swap: 'data-swap',
  sentence: 'data-sentence',
  person: 'data-person',
  pronounce: 'data-pronounce',
  chapter: 'data-chapter',
  episodeLink: 'data-episode-id',
  close: 'data-close',
  /** Where focus goes when the place it was in is gone (the play button): never to <body>. */
  focusHome: 'data-focus-home',
} as const;

/** The element focus goes to when the place it was in is gone. */
export const focusHome = (root: ParentNode = document): HTMLElement | null => root.querySelector<HTMLElement>(`[${Attr.focusHome}]`);

export class ComponentError extends Error {
  override readonly name = 'ComponentError';
}

export abstract class Component<Root extends HTMLElement = HTMLElement> {
  protected readonly root: Root;

  constructor(root: Root) {
    if (root.hasAttribute(Attr.started)) throw new ComponentError(`"${root.getAttribute(Attr.module) ?? ''}" is already started on this element`);
    root.setAttribute(Attr.started, '');
    this.root = root;
  }

  /** The first element under the root matching `selector`, which must be a `type`. */
  protected need<E extends Element>(selector: string, type: abstract new () => E): E {
    const element = this.root.querySelector(selector);
    if (!(element instanceof type)) throw new ComponentError(`"${this.root.getAttribute(Attr.module) ?? ''}" needs ${selector} (${type.name})`);
    return element;
  }
}

export type ComponentClass = new (root: HTMLElement) => Component;

/**
 * Starts every component of `modules` on the elements naming it; one failing
 * component is reported and does not stop the others (GOV.UK `createAll`).
 */
export function startAll(modules: Readonly<Record<string, ComponentClass>>, scope: ParentNode = document): Component[] {
  const started: Component[] = [];
  for (const [name, Module] of Object.entries(modules)) {
    for (const root of scope.querySelectorAll<HTMLElement>(`[${Attr.module}="${name}"]`)) {
      try {
        started.push(new Module(root));
      } catch (error) {
        console.error(`The ${name} component could not start`, error);
      }
    }
  }
  return started;
}
