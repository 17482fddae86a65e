/**
 * `GET /book.epub`: the talking book (EPUB 3 with Media Overlays), built once
 * from the render cache by `../book/` and rebuilt when what it is made from
 * changes; sent with ranges and validators like the audio.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Cover } from '../artwork/cover.js';
import type { Catalog } from '../catalog.js';
import { BOOK_URL, EPUB_MEDIA_TYPE } from '../book/book-paths.js';
import { BookRefused } from '../book/book.js';
import { createBookStore } from '../book/book-store.js';
import { narratorOf } from '../book/book-sources.js';
import { bookCover } from '../book/cover.js';
import { BookRefusedError, RenderBusyError, RenderFailed } from '../errors.js';
import { strongEtag } from '../http/byte-ranges.js';
import { RenderBusy, type Renditions } from '../renditions/renditions.js';
import { BytesSchema, NoBodySchema, NoQuerySchema, ProblemSchema } from '../schemas.js';
import type { SpeechEngine } from '../speech/engine.js';
import { sendBytes } from './send-bytes.js';

/** A new build keeps the URL: clients keep the book but ask again (a cheap 304) before using it. */
const BOOK_CACHE_CONTROL = 'public, no-cache';

export interface BookRouteOptions {
  readonly catalog: Catalog;
  readonly renditions: Renditions;
  readonly engine: SpeechEngine;
  /** The show's cover art, the book's cover too. */
  readonly cover: Cover;
  /** Where built books are kept. */
  readonly folder: string;
}

const book: FastifyPluginAsyncTypebox<BookRouteOptions> = async (app, { catalog, renditions, engine, cover, folder }) => {
  const store = createBookStore({ catalog, renditions, folder, narrator: await narratorOf(engine), cover: await bookCover(cover) });
  const responses = { 200: BytesSchema, 206: BytesSchema, 304: NoBodySchema, 400: ProblemSchema, 412: ProblemSchema, 416: ProblemSchema, 500: ProblemSchema, 503: ProblemSchema };

  // A browser cannot show a book: it saves it, under the content pack's name.
  const disposition = `attachment; filename="${catalog.pack.info.id}.epub"`;

  // GET and HEAD together, as for the audio: Fastify's own HEAD route would answer a Content-Length of 0.
  app.route({
    method: ['GET', 'HEAD'],
    url: BOOK_URL,
    schema: { querystring: NoQuerySchema, response: responses },
    handler: async (request, reply) => {
      let built;
      try {
        built = await store.book();
      } catch (error) {
        if (error instanceof BookRefused) throw new BookRefusedError(error.message);
        throw error instanceof RenderBusy ? new RenderBusyError({ cause: error }) : new RenderFailed({ cause: error });
      }
      const entity = { size: built.bytes, etag: strongEtag(built.sha256), lastModified: built.modified, contentType: EPUB_MEDIA_TYPE, cacheControl: BOOK_CACHE_CONTROL };
      return sendBytes(request, reply.header('content-disposition', disposition), { entity, body: { file: built.file } });
    },
  });
};

export default book;
