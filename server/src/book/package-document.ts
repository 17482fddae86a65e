/**
 * The package document (`package.opf`): the book's metadata (a stable UUID,
 * title, language, modified date, narrator, sources, Media Overlays durations
 * and active class, EPUB Accessibility 1.1), its manifest and its spine.
 */
import { createHash } from 'node:crypto';
import type { Catalog } from '../catalog.js';
import { vttTime } from '../renditions/tracks.js';
import { html, type Html } from '../site/html.js';

/** The class a reading system puts on the sentence being read (the book's stylesheet styles it). */
export const ACTIVE_CLASS = '-epub-media-overlay-active';
/** The class on the document while narration plays. */
export const PLAYBACK_ACTIVE_CLASS = '-epub-media-overlay-playing';
/** EPUB Accessibility 1.1's conformance statement for WCAG 2.2 AA. */
export const CONFORMS_TO = 'EPUB Accessibility 1.1 - WCAG 2.2 Level AA';
/** Who checked that claim, and how: the project, by the validators its tests run on every build. */
export const CERTIFIED_BY = 'The companion\'s makers, by automated checks (EPUBCheck and Ace by DAISY)';

export interface ManifestItem {
  readonly id: string;
  readonly href: string;
  readonly mediaType: string;
  readonly properties?: string;
  /** The id of the item's Media Overlay. */
  readonly mediaOverlay?: string;
}

export interface PackageDescription {
  readonly catalog: Catalog;
  readonly modified: Date;
  readonly narrator: string;
  readonly items: readonly ManifestItem[];
  /** Item ids in reading order. */
  readonly spine: readonly string[];
  /** Each overlay's item id and playing time. */
  readonly overlays: readonly { readonly itemId: string; readonly durationMs: number }[];
  readonly accessibilitySummary: string;
}

/** RFC 4122 namespace for URLs: with it, one name always gives one UUID. */
const URL_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/**
 * A name-based (version 5, RFC 4122 §4.3) UUID: the same content pack id gives
 * the same identifier in every build, so a reading app keeps its place and
 * bookmarks when the book is replaced by a newer build.
 */
export function nameBasedUuid(name: string): string {
  const hash = createHash('sha1').update(URL_NAMESPACE).update(name, 'utf8').digest().subarray(0, 16);
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The book's identifier for a content pack. */
export const bookIdentifier = (packId: string): string => `urn:uuid:${nameBasedUuid(`urn:x-all-the-light-companion:book:${packId}`)}`;

/** `dcterms:modified` wants whole seconds in UTC: `2024-05-01T12:00:00Z`. */
const modifiedValue = (date: Date): string => `${date.toISOString().slice(0, 19)}Z`;

const meta = (property: string, value: string, refines?: string): Html =>
  html`
    <meta property="${property}"${refines === undefined ? false : html` refines="#${refines}"`}>${value}</meta>`;

export function packageDocument(book: PackageDescription): string {
  const { info, show, sources } = book.catalog.pack;
  const totalMs = book.overlays.reduce((sum, overlay) => sum + overlay.durationMs, 0);
  const metadata = html`
    <dc:identifier id="book-id">${bookIdentifier(info.id)}</dc:identifier>
    <dc:title>${info.title}</dc:title>
    <dc:language>${info.language}</dc:language>
    <dc:description>${info.description}</dc:description>
    <dc:subject>${show.title.value}</dc:subject>${sources.map(
      (source) => html`
    <dc:source>${source.title}${source.published === null ? '' : ` (${source.published})`}</dc:source>`,
    )}${meta('dcterms:modified', modifiedValue(book.modified))}${meta('media:narrator', book.narrator)}${book.overlays.map((overlay) =>
      meta('media:duration', vttTime(overlay.durationMs), overlay.itemId),
    )}${meta('media:duration', vttTime(totalMs))}${meta('media:active-class', ACTIVE_CLASS)}${meta('media:playback-active-class', PLAYBACK_ACTIVE_CLASS)}${[
      'textual',
      'auditory',
      'visual',
    ].map((mode) => meta('schema:accessMode', mode))}${['textual', 'textual,auditory'].map((modes) => meta('schema:accessModeSufficient', modes))}${[
      'synchronizedAudioText',
      'structuralNavigation',
      'tableOfContents',
      'readingOrder',
      'ttsMarkup',
      'alternativeText',
    ].map((feature) => meta('schema:accessibilityFeature', feature))}${meta('schema:accessibilityHazard', 'none')}${meta(
      'schema:accessibilitySummary',
      book.accessibilitySummary,
    )}${meta('dcterms:conformsTo', CONFORMS_TO)}${meta('a11y:certifiedBy', CERTIFIED_BY)}`;
  const manifest = book.items.map(
    (item) => html`
    <item id="${item.id}" href="${item.href}" media-type="${item.mediaType}"${item.properties === undefined ? false : html` properties="${item.properties}"`}${
      item.mediaOverlay === undefined ? false : html` media-overlay="${item.mediaOverlay}"`
    }/>`,
  );
  const spine = book.spine.map((id) => html`
    <itemref idref="${id}"/>`);
  return `<?xml version="1.0" encoding="UTF-8"?>
${html`<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="book-id" xml:lang="${info.language}">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">${metadata}
  </metadata>
  <manifest>${manifest}
  </manifest>
  <spine>${spine}
  </spine>
</package>`}
`;
}
