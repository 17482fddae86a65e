/**
 * Text tracks from a render's time line: WebVTT captions (one cue per
 * sentence), WebVTT chapters, podcast-namespace JSON chapters, and the
 * transcript as an HTML fragment. Pure functions of the time line.
 */
import { escapeHtml } from '../site/html.js';
import type { Timeline } from './timings.js';

/** `hh:mm:ss.ttt`, as WebVTT requires. */
export function vttTime(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = Math.floor((total % 60_000) / 1000);
  const millis = total % 1000;
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(hours)}:${pad(minutes)}:${pad(seconds)}.${pad(millis, 3)}`;
}

// A cue's text may not contain "-->" nor a blank line; & and < must be escaped.
const cueText = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\s*\n\s*/g, ' ');

/** Captions: one cue per spoken sentence, identified by the sentence id. */
export function captionsVtt(timeline: Timeline): string {
  const cues = timeline.sentences.map((s) => `${s.id}\n${vttTime(s.startMs)} --> ${vttTime(s.endMs)}\n${cueText(s.text)}\n`);
  return `WEBVTT\n\n${cues.join('\n')}`;
}

/** A chapter's title as the chapter tracks and the MP3's CHAP frames give it: as spoken. */
export const chapterLabel = (chapter: { readonly number: number; readonly title: string }): string => `Chapter ${chapter.number}: ${chapter.title}`;

/** Chapters for `<track kind="chapters">`: one cue per chapter, titled as spoken. */
export function chaptersVtt(timeline: Timeline): string {
  const cues = timeline.chapters.map(
    (c) => `chapter-${c.number}\n${vttTime(c.startMs)} --> ${vttTime(c.endMs)}\n${cueText(chapterLabel(c))}\n`,
  );
  return `WEBVTT\n\n${cues.join('\n')}`;
}

/** Podcasting 2.0 JSON chapters (https://github.com/Podcastindex-org/podcast-namespace, version 1.2.0). */
export function chaptersJson(timeline: Timeline): { version: string; chapters: { startTime: number; endTime: number; title: string }[] } {
  return {
    version: '1.2.0',
    chapters: timeline.chapters.map((c) => ({
      startTime: c.startMs / 1000,
      endTime: c.endMs / 1000,
      title: chapterLabel(c),
    })),
  };
}

/** The transcript as an HTML fragment: chapter headings and timed sentences. */
export function transcriptHtml(timeline: Timeline, headingLevel: 2 | 3 | 4 = 3): string {
  return timeline.chapters
    .map((chapter) => {
      const sentences = timeline.sentences
        .filter((s) => s.chapterId === chapter.id && s.kind !== 'chapter-title')
        .map((s) => `<span class="sentence" data-sentence="${escapeHtml(s.id)}" data-start="${s.startMs}" data-end="${s.endMs}">${escapeHtml(s.text)}</span>`)
        .join(' ');
      return `<h${headingLevel} id="chapter-${escapeHtml(chapter.id)}">Chapter ${chapter.number}: ${escapeHtml(chapter.title)}</h${headingLevel}>\n<p>${sentences}</p>`;
    })
    .join('\n');
}
