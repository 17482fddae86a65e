import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The project's own content pack. */
export const CONTENT_DIR = path.join(ROOT, 'audio-scripts', 'content');
/** A tiny made-up show, proving the pack format is general. */
export const FIXTURE_PACK = path.join(ROOT, 'tests', 'fixtures', 'packs', 'lighthouse');
/** Shared material lives beside the repository, not in it. */
export const SHARED_DIR = path.resolve(ROOT, '..', 'shared');
export const SEEDS_DIR = path.join(SHARED_DIR, 'seeds');
export const SSML_SCHEMA = path.join(SHARED_DIR, 'ssml-schema', 'synthesis.xsd');
export const schemaAvailable = existsSync(SSML_SCHEMA);
