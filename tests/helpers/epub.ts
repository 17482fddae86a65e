/** Reading a built EPUB in tests: its entries in order, as the ZIP holds them (yauzl). */
import yauzl from 'yauzl';

export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflated. */
  readonly compressionMethod: number;
  readonly extraFieldLength: number;
  readonly data: Buffer;
}

/** Every entry of the ZIP, in the order of its central directory, with its uncompressed bytes. */
export function readZip(zip: Buffer): Promise<ZipEntry[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, archive) => {
      if (error !== null) return reject(error);
      const entries: ZipEntry[] = [];
      archive.on('error', reject);
      archive.on('end', () => resolve(entries));
      archive.on('entry', (entry: yauzl.Entry) => {
        archive.openReadStream(entry, (streamError, stream) => {
          if (streamError !== null) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', reject);
          stream.on('end', () => {
            entries.push({ name: entry.fileName, compressionMethod: entry.compressionMethod, extraFieldLength: entry.extraFieldLength, data: Buffer.concat(chunks) });
            archive.readEntry();
          });
        });
      });
      archive.readEntry();
    });
  });
}

/** The entries by name, their text decoded as UTF-8. */
export async function readEpubText(zip: Buffer): Promise<Map<string, string>> {
  return new Map((await readZip(zip)).map((entry) => [entry.name, entry.data.toString('utf8')]));
}
