/**
 * Renditions: an episode's narration rendered to audio plus its time line,
 * kept in a content-addressed disk cache. Writes are atomic (temporary file,
 * then rename) and every read is verified against the recorded length and hash,
 * so a truncated or altered entry is rendered again rather than served.
 * Concurrent requests for the same rendition share one render.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { encodeWav } from '../audio/wav.js';
import { writeAtomic } from '../files.js';
import { renderSsml } from '../narration/render.js';
import type { Narration } from '../narration/narration.js';
import type { SpeechEngine } from '../speech/engine.js';
import { buildTimeline, type Timeline } from './timings.js';

export interface Rendition extends Timeline {
  readonly key: string;
  /** Absolute path of the verified audio file in the cache. */
  readonly audioFile: string;
  readonly contentType: string;
  readonly bytes: number;
  readonly sha256: string;
}

interface RenditionRecord extends Timeline {
  readonly key: string;
  readonly contentType: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface RenditionsOptions {
  readonly engine: SpeechEngine;
  /** Folder for cached renders; created when missing. */
  readonly cacheDir: string;
  /** Told when a cache entry failed verification and was discarded. */
  readonly onDiscard?: (key: string, reason: string) => void;
}

export interface Renditions {
  /** The episode's audio and time line, rendered now or taken from the verified cache. */
  render(narration: Narration, options?: { signal?: AbortSignal }): Promise<Rendition>;
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

export function createRenditions(options: RenditionsOptions): Renditions {
  const { engine, onDiscard } = options;
  const folder = path.resolve(options.cacheDir, 'renditions');
  const inFlight = new Map<string, Promise<Rendition>>();

  const paths = (key: string) => ({ audio: path.join(folder, `${key}.wav`), record: path.join(folder, `${key}.json`) });

  async function readVerified(key: string): Promise<Rendition | undefined> {
    const files = paths(key);
    let record: RenditionRecord;
    try {
      record = JSON.parse(await readFile(files.record, 'utf8')) as RenditionRecord;
    } catch {
      return undefined;
    }
    let reason: string | undefined;
    try {
      const info = await stat(files.audio);
      if (info.size !== record.bytes) reason = `length ${info.size} is not the recorded ${record.bytes}`;
      else if (sha256(await readFile(files.audio)) !== record.sha256) reason = 'hash differs from the recorded one';
    } catch {
      reason = 'audio file is missing';
    }
    if (reason !== undefined) {
      onDiscard?.(key, reason);
      await Promise.all([rm(files.audio, { force: true }), rm(files.record, { force: true })]);
      return undefined;
    }
    return { ...record, audioFile: files.audio };
  }

  async function renderFresh(key: string, narration: Narration, ssml: string, signal?: AbortSignal): Promise<Rendition> {
    const synthesis = await engine.synthesize(ssml, signal === undefined ? {} : { signal });
    const audio = encodeWav(synthesis.samples, synthesis.sampleRate);
    const durationMs = Math.round((synthesis.samples.length / synthesis.sampleRate) * 1000);
    const record: RenditionRecord = {
      key,
      contentType: 'audio/wav',
      bytes: audio.length,
      sha256: sha256(audio),
      ...buildTimeline(narration, synthesis.events, durationMs),
    };
    const files = paths(key);
    await mkdir(folder, { recursive: true });
    // Audio first, record last: a record on disk means its audio is complete.
    await writeAtomic(files.audio, audio);
    await writeAtomic(files.record, JSON.stringify(record));
    return { ...record, audioFile: files.audio };
  }

  return {
    render(narration, { signal } = {}) {
      const ssml = renderSsml(narration, 'espeak');
      const key = sha256(JSON.stringify([ssml, engine.name, engine.version, 'default-voice', 1, 'wav']));
      const running = inFlight.get(key);
      if (running !== undefined) return running;
      const work = (async () => (await readVerified(key)) ?? renderFresh(key, narration, ssml, signal))().finally(() =>
        inFlight.delete(key),
      );
      inFlight.set(key, work);
      return work;
    },
  };
}
