/**
 * One Media Overlay (SMIL 3.0, EPUB 3.3 §9) per episode: a `par` for every
 * sentence, pairing its element in the content document with its clip of the
 * episode's MP3 (the render's time line: the times of captions and transcript).
 *
 * Structure, for skipping and escaping (EPUB 3.3 §9.4): the episode and each
 * chapter are a `seq` tied to their section (`epub:textref`), so a reading
 * system can leave one; headings are `par`s typed `title`; a "Sources differ"
 * note is a `seq` and `par` typed `note`, which the specification lists as
 * both skippable and escapable. A note has no recorded audio (the narration
 * does not say it): its `par` holds the text alone, for the reading system's
 * own voice, or to skip.
 */
import type { Catalog } from '../catalog.js';
import { vttTime } from '../renditions/tracks.js';
import { html, type Html } from '../site/html.js';
import type { BookEpisode } from './book-input.js';
import { bookIds, bookPaths, fromOverlay } from './book-paths.js';
import { clipsDurationMs, type SentenceClip } from './clips.js';
import { NOTE_TYPE } from './notes.js';
import { blockSentences, episodeOrder, type Block } from './reading-order.js';

/** The `epub:type` of a heading's `par`. */
export const HEADING_TYPE = 'title';

export interface Overlay {
  readonly smil: string;
  /** The sum of its clips (`media:duration`). */
  readonly durationMs: number;
}

export function overlayDocument(catalog: Catalog, { entry }: BookEpisode, clips: readonly SentenceClip[]): Overlay {
  const episodeId = entry.episode.id;
  const text = fromOverlay(bookPaths.episode(episodeId));
  const audio = fromOverlay(bookPaths.audio(episodeId));
  const clipOf = new Map(clips.map((clip) => [clip.sentence.id, clip]));

  const par = (sentenceId: string, type: string | undefined): Html => {
    const clip = clipOf.get(sentenceId);
    // clips.ts has given every sentence a clip, or refused the book.
    if (clip === undefined) throw new Error(`episode "${episodeId}" sentence ${sentenceId} has no clip`);
    return html`
<par id="par-${sentenceId}"${type === undefined ? false : html` epub:type="${type}"`}>
<text src="${text}#${bookIds.sentence(sentenceId)}"/>
<audio src="${audio}" clipBegin="${vttTime(clip.beginMs)}" clipEnd="${vttTime(clip.endMs)}"/>
</par>`;
  };
  const blockSmil = (block: Block): Html => {
    if (block.kind === 'note') {
      const id = bookIds.note(block.conflict.id);
      return html`
<seq id="seq-${id}" epub:type="${NOTE_TYPE}" epub:textref="${text}#${id}">
<par id="par-${id}" epub:type="${NOTE_TYPE}">
<text src="${text}#${id}"/>
</par>
</seq>`;
    }
    return html`${blockSentences(block).map((sentence) => par(sentence.id, block.kind === 'heading' ? HEADING_TYPE : undefined))}`;
  };

  const order = episodeOrder(catalog, entry);
  const chapters = order.chapters.map(({ chapter, blocks }) => {
    const id = bookIds.chapterSection(chapter.id);
    return html`
<seq id="seq-${id}" epub:textref="${text}#${id}">${blocks.map(blockSmil)}
</seq>`;
  });
  const sectionId = bookIds.episodeSection(episodeId);
  const smil = `<?xml version="1.0" encoding="UTF-8"?>
${html`<smil xmlns="http://www.w3.org/ns/SMIL" xmlns:epub="http://www.idpf.org/2007/ops" version="3.0">
<body>
<seq id="seq-${sectionId}" epub:type="chapter" epub:textref="${text}#${sectionId}">${order.opening.map(blockSmil)}${chapters}
</seq>
</body>
</smil>`}
`;
  return { smil, durationMs: clipsDurationMs(clips) };
}
