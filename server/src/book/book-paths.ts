/**
 * Where each part of the talking book lives inside the EPUB container, and the
 * ids that tie them together, named in one place: the package document, the
 * navigation document, the content documents and the overlays all link to
 * each other through these.
 */

/** Where the server and the static export serve the book. */
export const BOOK_URL = '/book.epub';
/** The book's media type, as the container's `mimetype` file and HTTP say it. */
export const EPUB_MEDIA_TYPE = 'application/epub+zip';

/** The folder that holds the package document; every `href` in it is relative to this folder. */
export const PACKAGE_FOLDER = 'EPUB';
/** Paths relative to {@link PACKAGE_FOLDER}. */
export const bookPaths = {
  packageDocument: 'package.opf',
  nav: 'nav.xhtml',
  titlePage: 'title.xhtml',
  cast: 'cast.xhtml',
  names: 'names.xhtml',
  stylesheet: 'book.css',
  episode: (episodeId: string) => `episode-${episodeId}.xhtml`,
  overlay: (episodeId: string) => `overlays/${episodeId}.smil`,
  audio: (episodeId: string) => `audio/${episodeId}.mp3`,
  lexicon: (language: string) => `lexicon/${language}.pls`,
} as const;

/** The package document, as `META-INF/container.xml` names it. */
export const PACKAGE_DOCUMENT = `${PACKAGE_FOLDER}/${bookPaths.packageDocument}`;

/** From a file in `overlays/` to a file beside the package document. */
export const fromOverlay = (href: string): string => `../${href}`;

/** Element ids inside the content documents (XML names: they start with a letter). */
export const bookIds = {
  episodeSection: (episodeId: string) => `episode-${episodeId}`,
  chapterSection: (chapterId: string) => `chapter-${chapterId}`,
  /** A sentence keeps its transcript id (`c2.s3`), so captions, transcript and book name it alike. */
  sentence: (sentenceId: string) => sentenceId,
  note: (conflictId: string) => `differ-${conflictId}`,
  person: (personId: string) => `person-${personId}`,
  name: (lexiconId: string) => `name-${lexiconId}`,
  toc: 'toc',
} as const;

/** Manifest item ids. */
export const itemIds = {
  episode: (episodeId: string) => `text-${episodeId}`,
  overlay: (episodeId: string) => `overlay-${episodeId}`,
  audio: (episodeId: string) => `audio-${episodeId}`,
  lexicon: (language: string) => `lexicon-${language}`,
} as const;
