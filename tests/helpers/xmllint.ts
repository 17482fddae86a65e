import { execFileSync, spawnSync } from 'node:child_process';
import { SSML_SCHEMA, schemaAvailable } from './paths.js';

/** Why schema tests cannot run here, or undefined when they can. */
export function schemaUnavailableReason(): string | undefined {
  if (!schemaAvailable) return `the W3C SSML schema is not at ${SSML_SCHEMA} (the shared/ folder beside the repository)`;
  return undefined;
}

/**
 * Validates an SSML document against the W3C schema with xmllint.
 * @returns xmllint's complaints, or an empty string when valid.
 */
export function validateSsml(document: string): string {
  try {
    execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('xmllint is not installed: run `apt-get install -y libxml2-utils` (the CI script does)');
  }
  const result = spawnSync('xmllint', ['--noout', '--nonet', '--schema', SSML_SCHEMA, '-'], { input: document, encoding: 'utf8' });
  return result.status === 0 ? '' : result.stderr.trim() || `xmllint exited with ${result.status}`;
}
