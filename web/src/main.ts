/**
 * Starts every component found on the page by its `data-module` attribute.
 * One component failing does not stop the others (GOV.UK's createAll).
 */
import { Transcript } from './transcript.js';

const MODULES = { transcript: Transcript } as const;

for (const [name, Component] of Object.entries(MODULES)) {
  for (const root of document.querySelectorAll<HTMLElement>(`[data-module="${name}"]`)) {
    try {
      new Component(root);
    } catch (error) {
      console.error(`The ${name} component could not start`, error);
    }
  }
}
