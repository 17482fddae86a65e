/**
 * The native engine's utterances laid end to end with the document's pauses,
 * and the timing events written from that construction: a sentence starts
 * where its samples are put, so its time is exact; a mark inside a sentence
 * is placed by its share of the characters (an estimate).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { joinSamples, leadingSilence, trailingSilence } from '../../audio/samples.js';
import { timeStretch } from '../../audio/time-stretch.js';
import { SpeechError, type Synthesis, type TimingEvent } from '../engine.js';
import type { RatePlan } from '../espeak-params.js';
import type { SsmlOutline } from '../ssml-outline.js';
import type { RenderedUtterance } from './sentence-cutting.js';

/**
 * Lays the rendered utterances end to end with the document's pauses, and
 * writes the timing events from that construction. Time compression (rates
 * past eSpeak's 450 wpm) is applied per utterance, yielding between them, so
 * a long render does not hold the event loop.
 */
export async function assemble(outline: SsmlOutline, renders: readonly RenderedUtterance[], plan: RatePlan, signal: AbortSignal): Promise<Synthesis> {
  const sampleRate = renders[0]?.sampleRate ?? 22_050;
  const pieces: Int16Array[] = [];
  const events: TimingEvent[] = [];
  let length = 0;
  // Silence already at the end of the audio so far, in samples.
  let trailing = 0;
  // Break time asked for since the last utterance, in samples of the output.
  let pending = 0;
  const ms = (samples: number): number => Math.round((samples * 1000) / sampleRate);
  const flushPause = (): void => {
    // The longer of eSpeak's own pause and the break, as eSpeak does in one document.
    const extra = Math.max(0, pending - trailing);
    if (extra > 0) {
      pieces.push(new Int16Array(extra));
      length += extra;
      trailing += extra;
    }
    pending = 0;
  };

  let next = 0;
  for (const item of outline.items) {
    if (item.kind === 'pause') {
      // Breaks are compressed with the speech, as in the embedded engine's render.
      pending += Math.round((item.ms * sampleRate) / 1000 / plan.speedUp);
    } else if (item.kind === 'mark') {
      flushPause();
      events.push({ type: 'mark', audioMs: ms(length), textPosition: item.textPosition, name: item.name });
    } else {
      flushPause();
      const render = renders[next++];
      if (render === undefined) throw new SpeechError('espeak-ng returned fewer renders than sentences');
      if (render.sampleRate !== sampleRate) throw new SpeechError(`espeak-ng rendered at ${render.sampleRate} Hz and at ${sampleRate} Hz in one document`);
      let samples = render.samples;
      if (plan.speedUp !== 1) {
        signal.throwIfAborted();
        samples = timeStretch(samples, sampleRate, plan.speedUp);
        await nextTurn();
      }
      const start = length;
      // eSpeak's voice runs from its first to its last non-silent sample; none at all in a sentence that says nothing.
      const lead = leadingSilence(samples);
      const silent = lead === samples.length;
      const last = samples.length - 1 - trailingSilence(samples);
      const characters = [...item.text].length;
      for (const mark of item.marks) {
        // A mark at the start is exact; one inside the sentence is placed by its share of the characters (an estimate).
        const within = mark.textOffset === 0 || silent || characters === 0 ? 0 : lead + ((last - lead) * mark.textOffset) / characters;
        events.push({ type: 'mark', audioMs: ms(start + within), textPosition: item.textPosition, name: mark.name });
      }
      events.push({ type: 'sentence', audioMs: ms(start), textPosition: item.textPosition });
      pieces.push(samples);
      length += samples.length;
      trailing = silent ? trailing + samples.length : samples.length - 1 - last;
      const after = Math.round((render.silenceAfter ?? 0) / plan.speedUp);
      if (after > 0) {
        pieces.push(new Int16Array(after));
        length += after;
        trailing += after;
      }
    }
  }
  flushPause();

  return { sampleRate, samples: joinSamples(pieces), events };
}
