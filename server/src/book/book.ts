/**
 * Makes the talking book: every part of it from the catalog and each episode's
 * render, then the EPUB container. Checks the timing first, so a pack that
 * cannot make a valid book is refused before anything is written.
 */
import { createNameFinder } from '../narration/narration.js';
import { BOOK_CSS } from './book-css.js';
import type { BookInput } from './book-input.js';
import { bookPaths, itemIds } from './book-paths.js';
import { sentenceClips } from './clips.js';
import { epubContainer, type BookFile } from './epub-container.js';
import { episodeDocument } from './episode-document.js';
import { navDocument } from './nav-document.js';
import { overlayDocument } from './overlays.js';
import { packageDocument, type ManifestItem } from './package-document.js';
import { castDocument, namesDocument } from './people-documents.js';
import { lexiconLanguages, pronunciationLexicon } from './pronunciation-lexicon.js';
import { titlePage } from './title-page.js';
import type { BookText } from './xhtml.js';

export { BookRefused } from './clips.js';

const XHTML = 'application/xhtml+xml';

const ACCESSIBILITY_SUMMARY =
  'Every episode is text and recorded narration together, synchronised sentence by sentence, with the sentence being read highlighted. ' +
  'Headings give each episode and chapter, and the table of contents leads to each of them. ' +
  'Notes where the sources differ are marked so that they can be skipped. ' +
  'The cast and crew cards and the guide to names are text without recorded narration; a pronunciation lexicon and language marks on names tell a reading system\'s own voice how to say them. ' +
  'The cover image has a text alternative.';

/**
 * The book as the bytes of an EPUB file.
 * @throws BookRefused naming the episode and sentence that has no timing.
 */
export async function makeBook(input: BookInput): Promise<Buffer> {
  const { catalog } = input;
  const clips = input.episodes.map((episode) => sentenceClips(episode));
  const book: BookText = {
    language: catalog.pack.info.language,
    lexiconLanguages: lexiconLanguages(catalog.pack.lexicon),
    findNames: createNameFinder(catalog.pack.lexicon),
  };

  const files: BookFile[] = [];
  const items: ManifestItem[] = [];
  const add = (item: ManifestItem, file: BookFile): void => {
    items.push(item);
    files.push(file);
  };
  const addDocument = (id: string, href: string, data: string, extra: Partial<ManifestItem> = {}): void =>
    add({ id, href, mediaType: XHTML, ...extra }, { href, data });

  addDocument('nav', bookPaths.nav, navDocument(book, catalog), { properties: 'nav' });
  addDocument('title-page', bookPaths.titlePage, titlePage(book, catalog, input.narrator, input.cover));
  const overlays = input.episodes.map((episode, i) => {
    const id = episode.entry.episode.id;
    const overlay = overlayDocument(catalog, episode, clips[i] ?? []);
    addDocument(itemIds.episode(id), bookPaths.episode(id), episodeDocument(book, catalog, episode.entry), { mediaOverlay: itemIds.overlay(id) });
    add({ id: itemIds.overlay(id), href: bookPaths.overlay(id), mediaType: 'application/smil+xml' }, { href: bookPaths.overlay(id), data: overlay.smil });
    add({ id: itemIds.audio(id), href: bookPaths.audio(id), mediaType: 'audio/mpeg' }, { href: bookPaths.audio(id), file: episode.audioFile });
    return { itemId: itemIds.overlay(id), durationMs: overlay.durationMs };
  });
  addDocument('cast', bookPaths.cast, castDocument(book, catalog));
  addDocument('names', bookPaths.names, namesDocument(book, catalog));
  for (const language of book.lexiconLanguages) {
    const href = bookPaths.lexicon(language);
    add({ id: itemIds.lexicon(language), href, mediaType: 'application/pls+xml' }, { href, data: pronunciationLexicon(catalog.pack.lexicon, language) });
  }
  add({ id: 'stylesheet', href: bookPaths.stylesheet, mediaType: 'text/css' }, { href: bookPaths.stylesheet, data: BOOK_CSS });
  const { cover } = input;
  add({ id: 'cover', href: cover.href, mediaType: cover.mediaType, properties: 'cover-image' }, { href: cover.href, data: cover.data });

  const spine = ['title-page', 'nav', ...input.episodes.map((episode) => itemIds.episode(episode.entry.episode.id)), 'cast', 'names'];
  const opf = packageDocument({ catalog, modified: input.modified, narrator: input.narrator, items, spine, overlays, accessibilitySummary: ACCESSIBILITY_SUMMARY });
  return epubContainer([{ href: bookPaths.packageDocument, data: opf }, ...files], input.modified);
}
