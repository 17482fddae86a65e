import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test, expect, beforeAll, afterAll, vi } from 'vitest';
import { runProgram } from '../../../server/src/external-program.js';
import { decodeWav } from '../../../server/src/audio/wav.js';
import { SpeechError, type Synthesis, type TimingEvent } from '../../../server/src/speech/engine.js';
import { ESPEAK_VOICES } from '../../../server/src/speech/espeak-params.js';
import { createNativeEspeakEngine, type NativeEspeakEngine } from '../../../server/src/speech/native/espeak-ng-engine.js';
import { requireProgram } from '../audio/installed-programs.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'speech', 'lighthouse-espeak.ssml');
const SSML = readFileSync(FIXTURE, 'utf8');
const ROOT = '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">';
const doc = (body: string): string => `${ROOT}${body}</speak>`;
const S1 = '<s xml:lang="en-US"><mark name="a"/>Hello there, my friend.</s>';
const S2 = '<s xml:lang="en-US"><mark name="b"/>Marie-Laure lives in Paris.</s>';
/** About 13 minutes of speech in one utterance: a second or more of rendering. */
const LONG_SSML = `<speak><p>${'The quick brown fox jumps over the lazy dog near the quiet river bank. '.repeat(200)}</p></speak>`;

const ofType = (events: readonly TimingEvent[], type: TimingEvent['type']): TimingEvent[] => events.filter((event) => event.type === type);
const seconds = (synthesis: Synthesis): number => synthesis.samples.length / synthesis.sampleRate;
const sampleAt = (synthesis: Synthesis, ms: number): number => Math.round((ms * synthesis.sampleRate) / 1000);
/** Byte comparison: vitest's deep equality walks typed arrays element by element, seconds for a long render. */
const sameSamples = (a: Int16Array, b: Int16Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** Milliseconds of digital silence just before `ms` (event times are whole ms, so start half a ms early). */
function silenceBefore(synthesis: Synthesis, ms: number): number {
  const { samples, sampleRate } = synthesis;
  const from = sampleAt(synthesis, ms) - Math.ceil(sampleRate / 2000);
  let before = from;
  while (before > 0 && samples[before] === 0) before--;
  return ((from - before) * 1000) / sampleRate;
}

/** Renders a document with the program directly, the way one utterance is rendered. */
async function renderDirectly(document: string): Promise<Int16Array> {
  const { stdout } = await runProgram('espeak-ng', ['-m', '-b', '1', '--stdout', '-v', 'gmw/en-US', '-s', '175', '--stdin'], { input: document });
  // The program streams the WAV, so its header sizes are placeholders: take what arrived.
  stdout.writeUInt32LE(stdout.length - 44, 40);
  return decodeWav(stdout).samples;
}

/** A stand-in for espeak-ng that runs the real one and counts its renders (not `--version` or `--voices`), each `delaySeconds` late. */
async function countingEspeak(delaySeconds = 0): Promise<{ program: string; calls(): Promise<number> }> {
  const folder = await freshFolder('atl-counting-espeak-');
  const program = path.join(folder, 'espeak-ng');
  const log = path.join(folder, 'calls');
  await writeFile(log, '');
  await writeFile(program, `#!/bin/sh\ncase "$1" in --version|--voices) ;; *) printf x >> '${log}'; sleep ${delaySeconds};; esac\nexec espeak-ng "$@"\n`);
  await chmod(program, 0o755);
  return { program, calls: async () => (await readFile(log, 'utf8')).length };
}
/**
 * A stand-in for espeak-ng that answers `--version` and `--voices` as the real one does and
 * never finishes a render (it becomes `sleep 600`): a render is surely still under way when
 * the test aborts it or closes the engine.
 */
async function hangingEspeak(): Promise<string> {
  const folder = await freshFolder('atl-hanging-espeak-');
  const program = path.join(folder, 'espeak-ng');
  await writeFile(program, `#!/bin/sh\ncase "$1" in --version|--voices) exec espeak-ng "$@";; esac\nexec sleep 600\n`);
  await chmod(program, 0o755);
  return program;
}
/** The hanging stand-in's renders running now, as children of this test process. */
async function hungRenders(): Promise<string[]> {
  const { stdout } = await runProgram('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)]);
  return stdout.toString('utf8').split('\n').filter((line) => line.trim().endsWith('sleep 600'));
}
const folders: string[] = [];
/** A new empty folder in the temporary folder, removed after the tests. */
async function freshFolder(prefix: string): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), prefix));
  folders.push(folder);
  return folder;
}
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

/** espeak-ng processes that are children of this test process. */
async function childEspeaks(): Promise<string[]> {
  const { stdout } = await runProgram('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)]);
  return stdout.toString('utf8').split('\n').filter((line) => line.includes('espeak-ng'));
}

describe('native espeak-ng engine', () => {
  let engine: NativeEspeakEngine;
  /** The fixture narration, rendered once for the tests that only read it. */
  let narration: Synthesis;

  beforeAll(async () => {
    await requireProgram('espeak-ng');
    engine = createNativeEspeakEngine();
    expect(await engine.available()).toBe(true);
    narration = await engine.synthesize(SSML);
  });

  afterAll(async () => {
    await engine.close();
  });

  test('names itself and carries the program’s version', async () => {
    const { stdout } = await runProgram('espeak-ng', ['--version']);
    const printed = /text-to-speech:\s*(\S+)/.exec(stdout.toString('utf8'))?.[1];
    expect(engine.name).toBe('espeak-ng');
    const dataDir = /Data at:\s*(.+?)\s*$/m.exec(stdout.toString('utf8'))?.[1];
    expect(await engine.probe()).toEqual({ available: true, programVersion: printed, ...(dataDir === undefined ? {} : { dataDir }) });
    expect(engine.version).toBe(`${printed}+r2`);
  });

  test('renders a narration with a mark and a sentence event at each sentence start', () => {
    const synthesis = narration;
    expect(synthesis.sampleRate).toBe(22050);
    expect(seconds(synthesis)).toBeGreaterThan(15);
    expect(seconds(synthesis)).toBeLessThan(60);
    const marks = ofType(synthesis.events, 'mark');
    const sentences = ofType(synthesis.events, 'sentence');
    expect(marks.map((mark) => mark.name)).toEqual(['c1.s1', 'c1.s2', 'c1.s3', 'c1.s4', 'c1.s5', 'c1.s6', 'c2.s1', 'c2.s2', 'c2.s3', 'c2.s4']);
    expect(sentences.map((sentence) => sentence.audioMs)).toEqual(marks.map((mark) => mark.audioMs));
    expect(marks[0]!.audioMs).toBe(0);
    for (let i = 1; i < marks.length; i++) expect(marks[i]!.audioMs).toBeGreaterThan(marks[i - 1]!.audioMs);
    // Every sentence starts after a silence: the pause before it, never in the middle of a word.
    for (const mark of marks.slice(1)) expect(silenceBefore(synthesis, mark.audioMs)).toBeGreaterThan(400);
  });

  test('each paragraph is one render cut at its separators: every sentence is eSpeak’s own sound for it, sample for sample, and its pause is kept', async () => {
    // The fixture's first paragraph without its breaks, so eSpeak's own pauses are all there is between sentences.
    const sentences = [...SSML.matchAll(/<s xml:lang="en-US"><mark name="c1\.s\d+"\/>.*?<\/s>/g)].map((match) => match[0]);
    expect(sentences).toHaveLength(6);
    const body = doc(`<p>${sentences.join('')}</p>`);
    const [cut, whole] = await Promise.all([engine.synthesize(body), renderDirectly(body)]);
    const starts = ofType(cut.events, 'sentence').map((event) => sampleAt(cut, event.audioMs));
    expect(starts).toHaveLength(6);
    const wholeBytes = Buffer.from(whole.buffer, whole.byteOffset, whole.byteLength);
    let previous: { at: number; end: number; cutEnd: number } | undefined;
    for (const [i, start] of starts.entries()) {
      // The sentence's sound in the cut render: from its first to its last non-zero sample before the next sentence.
      let first = start;
      while (cut.samples[first] === 0) first++;
      let last = (starts[i + 1] ?? cut.samples.length) - 1;
      while (cut.samples[last] === 0) last--;
      const sound = Buffer.from(cut.samples.buffer, cut.samples.byteOffset + first * 2, (last - first + 1) * 2);
      // The same samples, whole, in eSpeak's render of the paragraph, after the previous sentence's.
      const found = wholeBytes.indexOf(sound, previous === undefined ? 0 : previous.end * 2);
      expect(found, `sentence ${i + 1}`).toBeGreaterThanOrEqual(0);
      expect(found % 2).toBe(0);
      const at = found / 2;
      if (previous !== undefined) {
        // The pause between them: eSpeak's own, rebuilt within 100 ms and never shorter.
        const ours = (first - previous.cutEnd) / 22.05;
        const eSpeaks = (at - previous.end) / 22.05;
        expect(ours - eSpeaks, `pause before sentence ${i + 1}`).toBeGreaterThanOrEqual(-0.1);
        expect(ours - eSpeaks, `pause before sentence ${i + 1}`).toBeLessThan(100);
      }
      previous = { at, end: at + last - first + 1, cutEnd: last + 1 };
      // The sentence event is where its render starts: its first sound for all but the first sentence.
      if (i > 0) expect(first - start).toBeLessThanOrEqual(Math.ceil(cut.sampleRate / 2000));
    }
  });

  test('starts one espeak-ng per paragraph, plus a calibration pair once per voice and speed', async () => {
    const { program, calls } = await countingEspeak();
    const counted = createNativeEspeakEngine({ program });
    try {
      const first = await counted.synthesize(SSML);
      // Two paragraphs, ten sentences: two renders and the calibration pair, where one per sentence made ten.
      expect(await calls()).toBe(4);
      expect(ofType(first.events, 'sentence')).toHaveLength(10);
      expect(sameSamples(first.samples, narration.samples)).toBe(true);
      expect(first.events).toEqual(narration.events);
      await counted.synthesize(SSML);
      expect(await calls()).toBe(6);
      // Another speed is measured again.
      await counted.synthesize(SSML, { rate: 1.5 });
      expect(await calls()).toBe(10);
    } finally {
      await counted.close();
    }
  });

  test('a render waiting for a calibration that another render started and gave up measures again itself', async () => {
    const { program, calls } = await countingEspeak(0.5);
    const counted = createNativeEspeakEngine({ program });
    try {
      const leaving = new AbortController();
      const first = counted.synthesize(SSML, { signal: leaving.signal });
      first.catch(() => undefined);
      // The first render has started measuring (each process takes half a second more here).
      await vi.waitFor(async () => expect(await calls()).toBeGreaterThan(0), { timeout: 20_000, interval: 10 });
      const second = counted.synthesize(SSML);
      leaving.abort(new Error('listener left'));
      await expect(first).rejects.toBeInstanceOf(SpeechError);
      const made = await second;
      expect(made.events).toEqual(narration.events);
      expect(sameSamples(made.samples, narration.samples)).toBe(true);
    } finally {
      await counted.close();
    }
  });

  test('a paragraph it cannot cut (a silence inside a sentence as long as a separator) is rendered sentence by sentence, exact to the sample', async () => {
    const { program, calls } = await countingEspeak();
    const counted = createNativeEspeakEngine({ program });
    try {
      const long = `<s xml:lang="en-US"><mark name="long"/>Wait for it. <break time="8s"/> There.</s>`;
      const body = doc(`<p>${S1}${long}${S2}</p>`);
      const synthesis = await counted.synthesize(body);
      // The calibration pair, the paragraph (not cut), then each of its three sentences alone.
      expect(await calls()).toBe(6);
      const marks = ofType(synthesis.events, 'mark');
      expect(marks.map((mark) => mark.name)).toEqual(['a', 'long', 'b']);
      // Each sentence is its own render: the middle one fills the span between its mark and the next.
      const alone = await renderDirectly(doc(`<p>${long}</p>`));
      const from = sampleAt(synthesis, marks[1]!.audioMs);
      const to = sampleAt(synthesis, marks[2]!.audioMs);
      const slack = Math.ceil(synthesis.sampleRate / 2000);
      expect(Math.abs(to - from - alone.length)).toBeLessThanOrEqual(2 * slack);
      const offsets = Array.from({ length: 2 * slack + 1 }, (_, i) => from - slack + i);
      const matches = offsets.filter((start) => Buffer.from(synthesis.samples.buffer, synthesis.samples.byteOffset + start * 2, alone.byteLength).equals(Buffer.from(alone.buffer)));
      expect(matches).toHaveLength(1);
    } finally {
      await counted.close();
    }
  });

  test('joins sentences the way eSpeak does in one document, breaks included', async () => {
    // In one document eSpeak makes the silence between sentences the longer of its own pause and the break.
    for (const body of [`<p>${S1} ${S2}</p>`, `<p>${S1} <break time='400ms'/> ${S2}</p>`, `<p>${S1}</p><p><break time='900ms'/>${S2}</p>`]) {
      const split = await engine.synthesize(doc(body));
      const whole = await renderDirectly(doc(body));
      expect(Math.abs(split.samples.length - whole.length) / 22.05).toBeLessThan(25);
    }
    const withBreak = await engine.synthesize(doc(`<p>${S1}</p><p><break time='900ms'/>${S2}</p>`));
    const gap = silenceBefore(withBreak, ofType(withBreak.events, 'mark')[1]!.audioMs);
    expect(gap).toBeGreaterThan(880);
    expect(gap).toBeLessThan(920);
    const shortBreak = await engine.synthesize(doc(`<p>${S1} <break time='100ms'/> ${S2}</p>`));
    const noBreak = await engine.synthesize(doc(`<p>${S1} ${S2}</p>`));
    expect(sameSamples(shortBreak.samples, noBreak.samples)).toBe(true);
  });

  test('gives the same audio and events however many processes render', async () => {
    const one = createNativeEspeakEngine({ processes: 1 });
    try {
      const sequential = await one.synthesize(SSML);
      expect(narration.events).toEqual(sequential.events);
      expect(sameSamples(narration.samples, sequential.samples)).toBe(true);
    } finally {
      await one.close();
    }
  });

  test('speaks faster at higher rates, beyond 450 wpm by time compression, marks moving along', async () => {
    const two = doc(`<p>${S1} <break time='400ms'/> ${S2}</p>`);
    const [normal, double, quadruple] = await Promise.all([1, 2, 4].map((rate) => engine.synthesize(two, { rate })));
    expect(seconds(double!)).toBeLessThan(seconds(normal!) * 0.7);
    expect(seconds(quadruple!)).toBeLessThan(seconds(double!) * 0.75);
    const marks = ofType(quadruple!.events, 'mark');
    expect(marks.map((mark) => mark.name)).toEqual(['a', 'b']);
    // The break is compressed with the speech: 400 ms at rate 4 is 400 / (700 / 450) ms of output.
    expect(silenceBefore(quadruple!, marks[1]!.audioMs)).toBeGreaterThan(240);
    expect(marks[1]!.audioMs).toBeLessThan(seconds(quadruple!) * 1000);
  });

  test('accepts plain text and places a mark inside a sentence by estimate', async () => {
    const plain = await engine.synthesize('Plain words, no markup & no marks.');
    expect(ofType(plain.events, 'sentence')).toHaveLength(1);
    const inside = await engine.synthesize('<speak>Hello there <mark name="mid"/>my good friend.</speak>');
    const mark = ofType(inside.events, 'mark')[0]!;
    expect(mark.audioMs).toBeGreaterThan(seconds(inside) * 100);
    expect(mark.audioMs).toBeLessThan(seconds(inside) * 900);
  });

  test('lists the installed voices it knows, each of which renders', async () => {
    const ids = (await engine.voices()).map((voice) => voice.id);
    for (const id of ['en-us', 'en-gb', 'fr-fr', 'de-de']) expect(ids).toContain(id);
    const french = await engine.synthesize(doc('<s>Bonjour.</s>'), { voice: 'fr-fr' });
    const english = await engine.synthesize(doc('<s>Bonjour.</s>'), { voice: 'en-us' });
    expect(sameSamples(french.samples, english.samples)).toBe(false);
  });

  test('refuses an unknown voice, a bad rate and malformed SSML with SpeechError', async () => {
    await expect(engine.synthesize(SSML, { voice: 'xx-klingon' })).rejects.toBeInstanceOf(SpeechError);
    await expect(engine.synthesize(SSML, { rate: 9 })).rejects.toThrow(/rate 9 is outside/);
    await expect(engine.synthesize('<speak><s>Unclosed</speak>')).rejects.toThrow(/malformed SSML/);
  });

  test('aborting kills the running espeak-ng processes', async () => {
    const hanging = createNativeEspeakEngine({ program: await hangingEspeak() });
    try {
      const controller = new AbortController();
      const render = hanging.synthesize(LONG_SSML, { signal: controller.signal });
      render.catch(() => undefined);
      await vi.waitFor(async () => expect(await hungRenders()).toHaveLength(1), { timeout: 20_000 });
      controller.abort(new Error('listener left'));
      const error: unknown = await render.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SpeechError);
      expect((error as SpeechError).cause).toEqual(new Error('listener left'));
      // The render ends only once its process is gone.
      expect(await hungRenders()).toEqual([]);
    } finally {
      await hanging.close();
    }
    await expect(engine.synthesize(SSML, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(SpeechError);
  });

  test('times out a render that takes too long', async () => {
    const slow = createNativeEspeakEngine({ timeoutMs: 100 });
    try {
      await expect(slow.synthesize(LONG_SSML)).rejects.toThrow(/timed out after 100 ms/);
      expect(await childEspeaks()).toEqual([]);
    } finally {
      await slow.close();
    }
  });
});

/** A stand-in for espeak-ng that runs the real one and logs each call's arguments; `renders()` gives those of its renders (not `--version` or `--voices`). */
async function loggingEspeak(): Promise<{ program: string; renders(): Promise<string[]> }> {
  const folder = await freshFolder('atl-logging-espeak-');
  const program = path.join(folder, 'espeak-ng');
  const log = path.join(folder, 'calls');
  await writeFile(log, '');
  await writeFile(program, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec espeak-ng "$@"\n`);
  await chmod(program, 0o755);
  return {
    program,
    renders: async () => (await readFile(log, 'utf8')).split('\n').filter((line) => line !== '' && !line.startsWith('--version') && !line.startsWith('--voices')),
  };
}

/** Every file under `folder`, as paths relative to it, sorted. */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => !entry.isDirectory()).map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name))).sort();
}

describe('the view of eSpeak NG’s data with only our voices', () => {
  let installed: NativeEspeakEngine;
  let dataDir: string;

  beforeAll(async () => {
    await requireProgram('espeak-ng');
    installed = createNativeEspeakEngine({ dataViewIn: false });
    const probe = await installed.probe();
    if (!probe.available || probe.dataDir === undefined) throw new Error('espeak-ng --version names no data folder');
    dataDir = probe.dataDir;
  });

  afterAll(async () => {
    await installed.close();
  });

  /** An engine keeping its data view in a fresh folder, through the logging stand-in (close it). */
  async function viewedEngine() {
    const folder = await freshFolder('atl-espeak-view-');
    const logging = await loggingEspeak();
    return { folder, logging, viewed: createNativeEspeakEngine({ program: logging.program, dataViewIn: folder }) };
  }

  test('every voice sounds exactly as with the installed data, and the view links to it, voice files of ours alone', async () => {
    const { folder, logging, viewed } = await viewedEngine();
    try {
      const voices = await installed.voices();
      expect(voices.length).toBeGreaterThan(3);
      for (const { id } of voices) {
        const document = doc(`<p>${S1}${S2}</p>`);
        const [ours, theirs] = await Promise.all([viewed.synthesize(document, { voice: id }), installed.synthesize(document, { voice: id })]);
        expect(sameSamples(ours.samples, theirs.samples), id).toBe(true);
        expect(ours.events).toEqual(theirs.events);
      }
      const [view, ...others] = await readdir(folder);
      expect(others).toEqual([]);
      const data = path.join(folder, view!, 'espeak-ng-data');
      expect((await logging.renders()).every((call) => call.startsWith(`--path=${path.join(folder, view!)} `))).toBe(true);
      const voiceFiles = ESPEAK_VOICES.map((voice) => voice.espeakName).filter((file) => existsSync(path.join(dataDir, 'lang', file)));
      expect(await filesUnder(path.join(data, 'lang'))).toEqual(voiceFiles.sort());
      expect(existsSync(path.join(data, 'voices'))).toBe(false);
      for (const entry of (await readdir(dataDir)).filter((name) => name !== 'lang' && name !== 'voices')) {
        expect(await readlink(path.join(data, entry))).toBe(path.join(dataDir, entry));
      }
    } finally {
      await viewed.close();
    }
  });

  test('a view removed while the engine runs (a cleaner of the temporary folder) is made again', async () => {
    const { folder, logging, viewed } = await viewedEngine();
    try {
      const document = doc(S1);
      const reference = await installed.synthesize(document);
      await viewed.synthesize(document);
      const [view] = await readdir(folder);
      await rm(path.join(folder, view!), { recursive: true });
      expect(sameSamples((await viewed.synthesize(document)).samples, reference.samples)).toBe(true);
      expect(await readdir(folder)).toEqual([view]);
      expect((await logging.renders()).every((call) => call.startsWith(`--path=${path.join(folder, view!)} `))).toBe(true);
    } finally {
      await viewed.close();
    }
  });

  test('a document in another language is rendered from the installed data, which has its voice', async () => {
    const { logging, viewed } = await viewedEngine();
    try {
      const spanish = doc('<s xml:lang="es">Hola, buenos días.</s>');
      const [ours, theirs, english] = await Promise.all([viewed.synthesize(spanish), installed.synthesize(spanish), installed.synthesize(doc('<s xml:lang="en-US">Hola, buenos días.</s>'))]);
      expect(sameSamples(ours.samples, theirs.samples)).toBe(true);
      expect(sameSamples(ours.samples, english.samples)).toBe(false);
      expect((await logging.renders()).some((call) => call.includes('--path'))).toBe(false);
    } finally {
      await viewed.close();
    }
  });

  test('with no place for the view, or one someone else can write to, it renders from the installed data', async () => {
    const folder = await freshFolder('atl-espeak-view-');
    const notAFolder = path.join(folder, 'a-file');
    await writeFile(notAFolder, '');
    const document = doc(S1);
    const reference = await installed.synthesize(document);

    const logging = await loggingEspeak();
    const nowhere = createNativeEspeakEngine({ program: logging.program, dataViewIn: notAFolder });
    const first = createNativeEspeakEngine({ dataViewIn: folder });
    try {
      expect(sameSamples((await nowhere.synthesize(document)).samples, reference.samples)).toBe(true);
      await first.synthesize(document);
    } finally {
      await Promise.all([nowhere.close(), first.close()]);
    }
    const view = (await readdir(folder)).find((name) => name.startsWith('atl-espeak-ng-data-'))!;
    await chmod(path.join(folder, view), 0o777);
    const shared = await loggingEspeak();
    const second = createNativeEspeakEngine({ program: shared.program, dataViewIn: folder });
    try {
      expect(sameSamples((await second.synthesize(document)).samples, reference.samples)).toBe(true);
    } finally {
      await second.close();
    }
    for (const calls of [await logging.renders(), await shared.renders()]) expect(calls.some((call) => call.includes('--path'))).toBe(false);
  });
});

describe('where each espeak-ng process writes its WAV', () => {
  let piped: NativeEspeakEngine;

  beforeAll(async () => {
    await requireProgram('espeak-ng');
    piped = createNativeEspeakEngine({ scratchIn: false });
  });

  afterAll(async () => {
    await piped.close();
  });

  test('a file in a folder of its own, removed after: the same sound and events as through stdout', async () => {
    const scratch = await freshFolder('atl-espeak-scratch-');
    const logging = await loggingEspeak();
    const filed = createNativeEspeakEngine({ program: logging.program, scratchIn: scratch });
    try {
      const [ours, theirs] = await Promise.all([filed.synthesize(SSML), piped.synthesize(SSML)]);
      expect(sameSamples(ours.samples, theirs.samples)).toBe(true);
      expect(ours.events).toEqual(theirs.events);
      const calls = (await logging.renders());
      expect(calls.length).toBeGreaterThan(1);
      for (const call of calls) expect(call).toMatch(new RegExp(` -w ${scratch}/atl-espeak-ng-[^/ ]+/render\\.wav$`));
      expect(await readdir(scratch)).toEqual([]);
    } finally {
      await filed.close();
    }
  });

  test('an aborted render leaves no file behind', async () => {
    const scratch = await freshFolder('atl-espeak-scratch-');
    const filed = createNativeEspeakEngine({ program: await hangingEspeak(), scratchIn: scratch });
    try {
      const controller = new AbortController();
      const render = filed.synthesize(LONG_SSML, { signal: controller.signal });
      render.catch(() => undefined);
      await vi.waitFor(async () => expect(await hungRenders()).toHaveLength(1), { timeout: 20_000 });
      expect(await readdir(scratch)).toHaveLength(1);
      controller.abort(new Error('listener left'));
      await expect(render).rejects.toBeInstanceOf(SpeechError);
      expect(await hungRenders()).toEqual([]);
      expect(await readdir(scratch)).toEqual([]);
    } finally {
      await filed.close();
    }
  });

  test('closing the engine mid-render waits until its processes are gone and their folders removed', async () => {
    const scratch = await freshFolder('atl-espeak-scratch-');
    const filed = createNativeEspeakEngine({ program: await hangingEspeak(), scratchIn: scratch });
    const render = filed.synthesize(LONG_SSML);
    render.catch(() => undefined);
    // Its process is running, writing into its folder.
    await vi.waitFor(async () => expect(await hungRenders()).toHaveLength(1), { timeout: 20_000 });
    expect(await readdir(scratch)).toHaveLength(1);
    await filed.close();
    expect(await hungRenders()).toEqual([]);
    expect(await readdir(scratch)).toEqual([]);
    await expect(render).rejects.toThrow(/closed/);
  });

  test('folders a killed process left are removed at the first render, never a running process’s', async () => {
    const scratch = await freshFolder('atl-espeak-scratch-');
    const gone = await runProgram('sh', ['-c', 'echo $$']);
    const deadPid = Number(gone.stdout.toString('utf8').trim());
    const orphan = `atl-espeak-ng-${deadPid}-Ab12Cd`;
    const live = `atl-espeak-ng-${process.ppid}-Ef34Gh`;
    const other = 'atl-espeak-ng-data-0-0123456789abcdef';
    for (const name of [orphan, live, other]) await mkdir(path.join(scratch, name));
    await writeFile(path.join(scratch, orphan, 'render.wav'), 'half a WAV');
    const filed = createNativeEspeakEngine({ scratchIn: scratch });
    try {
      await filed.synthesize(doc(S1));
      expect((await readdir(scratch)).sort()).toEqual([other, live].sort());
    } finally {
      await filed.close();
    }
  });

  test('with no folder to write in, the WAV comes through stdout', async () => {
    const folder = await freshFolder('atl-espeak-scratch-');
    const notAFolder = path.join(folder, 'a-file');
    await writeFile(notAFolder, '');
    const logging = await loggingEspeak();
    const fallback = createNativeEspeakEngine({ program: logging.program, scratchIn: notAFolder });
    try {
      const document = doc(`<p>${S1}${S2}</p>`);
      const [ours, theirs] = await Promise.all([fallback.synthesize(document), piped.synthesize(document)]);
      expect(sameSamples(ours.samples, theirs.samples)).toBe(true);
      expect((await logging.renders()).every((call) => call.endsWith(' --stdout'))).toBe(true);
    } finally {
      await fallback.close();
    }
  });
});

describe('native espeak-ng engine without the program', () => {
  test('is unavailable, lists no voices, and says what to install', async () => {
    const engine = createNativeEspeakEngine({ program: 'espeak-ng-that-is-not-installed' });
    expect(await engine.available()).toBe(false);
    expect(await engine.voices()).toEqual([]);
    expect(engine.version).toBe('unprobed+r2');
    const error: unknown = await engine.synthesize(SSML).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpeechError);
    expect((error as Error).message).toMatch(/not installed or not on the PATH.*apt-get install espeak-ng/);
    await engine.close();
    await engine.close();
    await expect(engine.synthesize(SSML)).rejects.toThrow(/closed/);
  });

  test('rejects nonsensical options', () => {
    expect(() => createNativeEspeakEngine({ processes: 0 })).toThrow(RangeError);
    expect(() => createNativeEspeakEngine({ timeoutMs: -1 })).toThrow(RangeError);
  });
});
