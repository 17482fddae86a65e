import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test, expect, beforeEach, afterEach } from 'vitest';
import { runProgram } from '../../../server/src/external-program.js';
import { encodeWav } from '../../../server/src/audio/wav.js';
import { SpeechError, type TimingEvent } from '../../../server/src/speech/engine.js';
import { createSayEngine, isPlainPath, type SayModule } from '../../../server/src/speech/say/say-engine.js';
import { requireProgram } from '../audio/installed-programs.js';

/** Runs a command through festival's Scheme when pasted into `(SayText "…")` unescaped, as `say` does on Linux. */
const FESTIVAL_PAYLOAD = 'x") (system "touch pwned") (SayText "y';
const POWERSHELL_PAYLOADS = ['"; Remove-Item -Recurse C:\\ ; "', '$(calc)', '`calc`', "'); Start-Process calc; ('"];
/**
 * What must not reach say. The apostrophe is kept on purpose (contractions): say passes text on stdin
 * (Windows), as one argument (macOS) or inside a double-quoted Scheme string (Linux), where it is inert.
 */
const FORBIDDEN = /["`$\\()]/;

interface Call {
  readonly method: 'speak' | 'export';
  readonly text: string;
  readonly voice: string | undefined;
  readonly speed: number | undefined;
  readonly filename?: string;
}

/** 1 s of silence, 2 s of a 200 Hz tone, 1 s of silence. */
function toneWithSilence(sampleRate: number): Int16Array {
  const samples = new Int16Array(sampleRate * 4);
  for (let i = sampleRate; i < sampleRate * 3; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 200 * i) / sampleRate));
  return samples;
}

/** The same audio as macOS `say` writes it: 32-bit float WAV. */
function floatWav(samples: Int16Array, sampleRate: number): Buffer {
  const out = Buffer.alloc(44 + samples.length * 4);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + samples.length * 4, 4);
  out.write('WAVEfmt ', 8, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(3, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * 4, 28);
  out.writeUInt16LE(4, 32);
  out.writeUInt16LE(32, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(samples.length * 4, 40);
  samples.forEach((value, i) => out.writeFloatLE(value / 32768, 44 + i * 4));
  return out;
}

/** A stand-in for the `say` package that records its arguments and writes a WAV where asked. */
function fakeSay(options: { wav?: Buffer; fail?: unknown } = {}): { say: SayModule; calls: Call[] } {
  const calls: Call[] = [];
  const say: SayModule = {
    speak(text, voice, speed, callback) {
      calls.push({ method: 'speak', text, voice, speed });
      setImmediate(() => callback?.(options.fail ?? null));
    },
    export(text, voice, speed, filename, callback) {
      calls.push({ method: 'export', text, voice, speed, ...(filename === undefined ? {} : { filename }) });
      if (filename !== undefined && options.fail === undefined) writeFileSync(filename, options.wav ?? encodeWav(toneWithSilence(22050), 22050));
      setImmediate(() => callback?.(options.fail ?? null));
    },
  };
  return { say, calls };
}

const marks = (events: readonly TimingEvent[]): TimingEvent[] => events.filter((event) => event.type === 'mark');

describe('say engine with a fake say module', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'say-engine-test-'));
  });
  afterEach(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  test('renders SSML on macOS: plain safe text in, a temporary WAV back, estimated events, no file left', async () => {
    const { say, calls } = fakeSay({ wav: floatWav(toneWithSilence(32000), 32000) });
    const engine = createSayEngine({ say, platform: 'darwin', tmpDir: tmp });
    expect(await engine.available()).toBe(true);
    const ssml = '<speak xml:lang="en-US"><p><s><mark name="one"/>First <sub alias="sentence">thing</sub>.</s> <break time="400ms"/> <s><mark name="two"/>Second one!</s></p></speak>';
    const synthesis = await engine.synthesize(ssml, { voice: 'samantha', rate: 1.5 });

    expect(calls).toEqual([{ method: 'export', text: 'First sentence. Second one!', voice: 'Samantha', speed: 1.5, filename: expect.stringMatching(/speech\.wav$/) }]);
    expect(isPlainPath(calls[0]!.filename!)).toBe(true);
    expect(calls[0]!.filename!.startsWith(tmp)).toBe(true);
    expect(readdirSync(tmp)).toEqual([]);

    expect(synthesis.sampleRate).toBe(32000);
    expect(synthesis.samples).toHaveLength(32000 * 4);
    // Estimates: the sound (1 s to 3 s) shared by characters; "First sentence. " is 16 of 27.
    expect(marks(synthesis.events).map((mark) => mark.name)).toEqual(['one', 'two']);
    expect(marks(synthesis.events)[0]!.audioMs).toBe(1000);
    expect(marks(synthesis.events)[1]!.audioMs).toBeCloseTo(1000 + (2000 * 16) / 27, -1);
    expect(synthesis.events.filter((event) => event.type === 'sentence')).toHaveLength(2);
  });

  test('renders plain text on Windows, one sentence event per sentence', async () => {
    const { say, calls } = fakeSay();
    const engine = createSayEngine({ say, platform: 'win32', tmpDir: tmp });
    const synthesis = await engine.synthesize('Hello there. How are you?', { voice: 'Microsoft Zira Desktop' });
    expect(calls[0]).toMatchObject({ text: 'Hello there. How are you?', voice: 'Microsoft Zira Desktop', speed: 1 });
    expect(synthesis.events.map((event) => event.type)).toEqual(['sentence', 'sentence']);
  });

  test.each([
    { platform: 'linux' as const, payload: FESTIVAL_PAYLOAD, spoken: 'x system touch pwned SayText y' },
    { platform: 'win32' as const, payload: POWERSHELL_PAYLOADS[0]!, spoken: '; Remove-Item -Recurse C: ;' },
    { platform: 'win32' as const, payload: POWERSHELL_PAYLOADS[1]!, spoken: 'calc' },
    { platform: 'win32' as const, payload: POWERSHELL_PAYLOADS[2]!, spoken: 'calc' },
    { platform: 'darwin' as const, payload: '-o /etc/passwd', spoken: 'o etc passwd' },
  ])('hands say only safe text: $payload on $platform', async ({ platform, payload, spoken }) => {
    const { say, calls } = fakeSay();
    const engine = createSayEngine({ say, platform, tmpDir: tmp });
    await engine.speakAloud(payload);
    if (platform !== 'linux') await engine.synthesize(payload);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.text).toBe(spoken);
      expect(call.text).not.toMatch(FORBIDDEN);
      expect(call.voice).toBeUndefined();
    }
  });

  test('hands say the payloads inside SSML just as safely', async () => {
    const { say, calls } = fakeSay();
    const engine = createSayEngine({ say, platform: 'darwin', tmpDir: tmp });
    const escaped = [FESTIVAL_PAYLOAD, ...POWERSHELL_PAYLOADS].map((payload) => payload.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;'));
    await engine.synthesize(`<speak>${escaped.map((payload) => `<s>${payload}</s>`).join('')}</speak>`);
    expect(calls[0]!.text).not.toMatch(FORBIDDEN);
    expect(calls[0]!.text).toBe("x system touch pwned SayText y ; Remove-Item -Recurse C: ; calc calc ' ; Start-Process calc; '");
  });

  test.each([
    { platform: 'linux' as const, voice: '(system "touch pwned")' },
    { platform: 'linux' as const, voice: 'voice_kal_diphone) (system "id"' },
    { platform: 'win32' as const, voice: "Microsoft Zira Desktop'); calc; ('" },
    { platform: 'darwin' as const, voice: 'Bad News' },
  ])('refuses a voice not on the $platform list: $voice', async ({ platform, voice }) => {
    const { say, calls } = fakeSay();
    const engine = createSayEngine({ say, platform, tmpDir: tmp });
    await expect(engine.speakAloud('Hello', { voice })).rejects.toThrow(SpeechError);
    if (platform !== 'linux') await expect(engine.synthesize('Hello', { voice })).rejects.toThrow(/has no voice/);
    expect(calls).toEqual([]);
  });

  test('passes only whitelisted voices and clamped speeds', async () => {
    const { say, calls } = fakeSay();
    const engine = createSayEngine({ say, platform: 'linux', tmpDir: tmp });
    await engine.speakAloud('One.', { voice: 'VOICE_KAL_DIPHONE', rate: 100 });
    await engine.speakAloud('Two.', { rate: Number.NaN });
    expect(calls).toEqual([
      { method: 'speak', text: 'One.', voice: 'voice_kal_diphone', speed: 4 },
      { method: 'speak', text: 'Two.', voice: undefined, speed: undefined },
    ]);
    expect((await engine.voices()).map((voice) => voice.id)).toContain('voice_kal_diphone');
  });

  test('cannot render on Linux, and says why', async () => {
    const { say, calls } = fakeSay();
    const engine = createSayEngine({ say, platform: 'linux', tmpDir: tmp });
    expect(await engine.available()).toBe(false);
    await expect(engine.synthesize('<speak>Hi</speak>')).rejects.toThrow(/cannot make audio on linux.*only speak aloud/);
    expect(calls).toEqual([]);
  });

  test('refuses a temporary folder whose path say could not be trusted with', async () => {
    const quoted = path.join(tmp, "it's & $(odd)");
    mkdirSync(quoted);
    const { say, calls } = fakeSay();
    const engine = createSayEngine({ say, platform: 'win32', tmpDir: quoted });
    await expect(engine.synthesize('Hello.')).rejects.toThrow(/plain tmpDir/);
    expect(calls).toEqual([]);
    expect(readdirSync(quoted)).toEqual([]);
  });

  test('turns say failures, bad rates and overlong text into SpeechError', async () => {
    const failing = createSayEngine({ say: fakeSay({ fail: new Error('voice not installed') }).say, platform: 'darwin', tmpDir: tmp });
    const error: unknown = await failing.synthesize('Hello.').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpeechError);
    expect((error as SpeechError).message).toMatch(/voice not installed/);
    expect((error as SpeechError).cause).toEqual(new Error('voice not installed'));
    expect(readdirSync(tmp)).toEqual([]);

    const engine = createSayEngine({ say: fakeSay().say, platform: 'darwin', tmpDir: tmp, maxTextLength: 10 });
    await expect(engine.synthesize('Hello.', { rate: 7 })).rejects.toThrow(/rate 7/);
    await expect(engine.synthesize('Far too long for the limit.')).rejects.toThrow(/more than the say engine takes/);
    await expect(engine.synthesize('<speak><s>broken</speak>')).rejects.toThrow(/malformed SSML/);
  });
});

describe('isPlainPath', () => {
  test.each([
    { file: '/tmp/say-abc123/speech.wav', plain: true },
    { file: 'C:\\Users\\Ada Quill\\AppData\\Local\\Temp\\say-x1\\speech.wav', plain: true },
    { file: "C:\\Users\\O'Brien\\Temp\\speech.wav", plain: false },
    { file: 'C:\\Temp\\a&calc.wav', plain: false },
    { file: 'C:\\Temp\\$(calc).wav', plain: false },
    { file: 'C:\\Temp\\two  spaces.wav', plain: false },
    { file: '-o.wav', plain: false },
  ])('$file is plain: $plain', ({ file, plain }) => {
    expect(isPlainPath(file)).toBe(plain);
  });
});

describe('say on Linux with the real festival', () => {
  let dir: string;
  let cwd: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'say-festival-'));
    cwd = process.cwd();
  });
  afterEach(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });

  test('control: the raw payload, piped to festival the way say builds it, does run a command', async () => {
    await requireProgram('festival');
    // Exactly say's Linux input for speak(payload) with no voice and no speed: (SayText "<text>").
    await runProgram('festival', ['--pipe'], { input: `(SayText "${FESTIVAL_PAYLOAD}")`, cwd: dir, timeoutMs: 30_000 }).catch(() => undefined);
    expect(existsSync(path.join(dir, 'pwned'))).toBe(true);
  });

  test('the same payload through speakAloud and the real say.speak runs nothing', async () => {
    await requireProgram('festival');
    const real = (await import('say')).default as SayModule & { child?: ChildProcess | null };
    let child: ChildProcess | undefined;
    const spy: SayModule = {
      speak(text, voice, speed, callback) {
        real.speak(text, voice, speed, callback);
        child = real.child ?? undefined;
      },
      export() {
        throw new Error('not used on Linux');
      },
    };
    // say spawns festival in the current directory, where the payload's relative "touch pwned" would land.
    process.chdir(dir);
    const engine = createSayEngine({ say: spy, platform: 'linux' });
    // Without a festival voice or a sound card festival complains; either way it has read and run the input.
    await engine.speakAloud(FESTIVAL_PAYLOAD).catch((error: unknown) => expect(error).toBeInstanceOf(SpeechError));
    expect(child).toBeDefined();
    if (child!.exitCode === null && child!.signalCode === null) await new Promise((resolve) => child!.once('exit', resolve));
    expect(existsSync(path.join(dir, 'pwned'))).toBe(false);
  });
});
