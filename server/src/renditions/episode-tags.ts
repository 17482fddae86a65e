/**
 * What each episode's MP3 says about itself in its ID3 tag: title, show,
 * narrator, author, year, language, the sources its facts come from, the cover,
 * and (in the stored file) its chapters, from the same time line as `chapters.json`.
 */
import { createHash } from 'node:crypto';
import { EMBEDDED_COVER, loadCover } from '../artwork/cover.js';
import { sameSizeTags, iso639_2, type Id3Chapter, type Id3Picture, type Id3Tags } from '../audio/id3.js';
import type { Catalog } from '../catalog.js';
import type { Narration } from '../narration/narration.js';
import { chapterLabel } from './tracks.js';

/** One episode's tag, made before its render: the live tag now, the stored one once the chapters' times are known. */
export interface EpisodeTag {
  /** Changes whenever anything the tag says changes: part of the MP3's cache key. */
  readonly fingerprint: string;
  /** The tag the bytes sent while the file is made start with: no chapters yet, the stored tag's size. */
  readonly live: Buffer;
  /** The stored file's tag, with its chapters. */
  stored(chapters: readonly Id3Chapter[]): Buffer;
}

/** Gives the tag of a narration's MP3, or undefined for a narration the catalog does not hold. */
export type EpisodeTagger = (narration: Narration) => EpisodeTag | undefined;

export interface EpisodeTaggerOptions {
  readonly catalog: Catalog;
  /** The cover every MP3 embeds. */
  readonly picture?: Id3Picture;
  /** Who is heard: the speech engine's voice. */
  readonly narrator: string;
}

/** The tagger for a catalog's episodes; each episode's tag is made once. */
export function createEpisodeTagger({ catalog, picture, narrator }: EpisodeTaggerOptions): EpisodeTagger {
  const { info, show } = catalog.pack;
  const made = new Map<string, EpisodeTag>();
  const pictureHash = picture === undefined ? undefined : createHash('sha256').update(picture.data).digest('hex');
  return (narration) => {
    const entry = catalog.find(narration.episodeId);
    if (entry === undefined || entry.narration !== narration) return undefined;
    let tag = made.get(narration.episodeId);
    if (tag === undefined) {
      const sources = [...new Set(entry.facts.flatMap((fact) => fact.sources))].map((id) => catalog.source(id)?.title).filter((title): title is string => title !== undefined);
      const tags: Omit<Id3Tags, 'chapters'> = {
        title: narration.title,
        album: info.title,
        artist: narrator,
        author: info.owner?.name ?? info.title,
        // The year the feed dates the episodes in (from the series' release).
        year: Number(show.releaseDate.value.slice(0, 4)),
        language: iso639_2(info.language),
        genre: 'Podcast',
        comment: `Facts about ${show.title.value} in our own words, from these articles: ${sources.join('; ')}.`,
        ...(picture === undefined ? {} : { picture }),
      };
      const titles = narration.chapters.map(chapterLabel);
      const sized = sameSizeTags(tags, titles);
      // The picture by its hash: its bytes are not worth hashing again per episode.
      const said = { ...tags, picture: pictureHash };
      tag = {
        fingerprint: createHash('sha256').update(JSON.stringify([said, titles, 'id3v2.4-1'])).digest('hex'),
        live: sized.live,
        stored: sized.stored,
      };
      made.set(narration.episodeId, tag);
    }
    return tag;
  };
}

/** Who is heard, for the tag's artist: the engine's voice, said to be synthetic. */
export function narratorOf(engineName: string): string {
  return engineName === 'say' ? "The computer's own synthetic voice" : 'eSpeak NG (synthetic voice)';
}

/**
 * The tagger the server, the export and `npm run render` use: the catalog's
 * episodes, the cover (its 1400 px PNG, with its text alternative) and the engine's voice.
 */
export async function episodeTaggerFor(catalog: Catalog, engineName: string): Promise<EpisodeTagger> {
  const cover = await loadCover();
  const picture: Id3Picture = { mimeType: EMBEDDED_COVER.type, description: cover.alt, data: await cover.bytes(EMBEDDED_COVER) };
  return createEpisodeTagger({ catalog, picture, narrator: narratorOf(engineName) });
}
