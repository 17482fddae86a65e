/**
 * The EPUB container (OCF, EPUB 3.3 §4): a ZIP whose first entry is the
 * `mimetype` file, stored uncompressed and with no extra field (so that a
 * program can tell an EPUB by its first bytes), then `META-INF/container.xml`
 * pointing at the package document, then the book's files.
 *
 * The ZIP itself is written by yazl: it streams entries from buffers and files
 * in the order given, lets each entry be stored or deflated, and
 * `forceDosTimestamp` keeps the timestamp extra field off every entry.
 */
import { ZipFile } from 'yazl';
import { EPUB_MEDIA_TYPE, PACKAGE_DOCUMENT, PACKAGE_FOLDER } from './book-paths.js';

/** A file of the book: its text or bytes, or a file on disk (the audio). Paths are relative to the package folder. */
export type BookFile =
  | { readonly href: string; readonly data: string | Buffer }
  | { readonly href: string; readonly file: string };

const CONTAINER_XML = `<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="${PACKAGE_DOCUMENT}" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
`;

/** The whole container in memory. Audio is stored (MP3 does not deflate); text is deflated. */
export async function epubContainer(files: readonly BookFile[], modified: Date): Promise<Buffer> {
  const zip = new ZipFile();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
    // A file that cannot be read (the audio) fails the zip.
    zip.on('error', reject);
  });
  const options = { mtime: modified, forceDosTimestamp: true };
  zip.addBuffer(Buffer.from(EPUB_MEDIA_TYPE, 'ascii'), 'mimetype', { ...options, compress: false });
  zip.addBuffer(Buffer.from(CONTAINER_XML, 'utf8'), 'META-INF/container.xml', options);
  for (const entry of files) {
    const name = `${PACKAGE_FOLDER}/${entry.href}`;
    if ('file' in entry) zip.addFile(entry.file, name, { ...options, compress: false });
    else zip.addBuffer(typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : entry.data, name, options);
  }
  zip.end();
  return done;
}
