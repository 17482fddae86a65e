/**
 * The player region. Without script it is the native `<audio controls>` with
 * its tracks, the chapter list and the downloads; the player script removes
 * `controls` and reveals the `hidden` controls, which are native buttons,
 * ranges, selects and checkboxes (each found by its `data-module`).
 */
import { BOOK_URL } from '../book/book-paths.js';
import type { CatalogEntry } from '../catalog.js';
import { html, type Html } from './html.js';

/** Every file of an episode, at the paths a static export serves too. */
export function episodeFiles(episodeId: string) {
  const api = `/api/episodes/${encodeURIComponent(episodeId)}`;
  return {
    mp3: `${api}/audio.mp3`,
    wav: `${api}/audio.wav`,
    captions: `${api}/captions.vtt`,
    chapters: `${api}/chapters.vtt`,
    transcriptJson: `${api}/transcript.json`,
    transcriptHtml: `${api}/transcript.html`,
  } as const;
}

const RATE_NOTE = 'Speed';
const SLEEP_MINUTES = [5, 10, 15, 30, 45, 60] as const;
const SKIP_SECONDS = [5, 10, 15, 30, 60] as const;

const request = (name: string, direction: -1 | 1, label: string): Html =>
  html`<button type="button" data-module="request-button" data-request="${name}" data-direction="${direction}">${label}</button>`;

const sentence = (move: 'previous' | 'repeat' | 'next', label: string): Html =>
  html`<button type="button" data-module="request-button" data-request="sentence" data-move="${move}">${label}</button>`;

function controls(): Html {
  return html`<div class="controls" data-controls hidden>
          <p class="resume" data-module="resume" hidden><span data-resume-text></span> <button type="button">Resume</button></p>
          <div class="row">
            <button type="button" class="primary" data-module="play-button" data-focus-home>Play</button>
            ${request('skip', -1, 'Back 10 seconds')}
            ${request('skip', 1, 'Forward 10 seconds')}
          </div>
          <div class="seek" data-module="seek">
            <label for="seek">Position</label>
            <input id="seek" type="range" min="0" max="0" step="any" value="0" aria-valuetext="0 seconds">
            <span class="clock" data-clock>0:00 / 0:00</span>
          </div>
          <div class="row">
            ${sentence('previous', 'Previous sentence')}
            ${sentence('repeat', 'Repeat sentence')}
            ${sentence('next', 'Next sentence')}
          </div>
          <div class="row">
            ${request('chapter', -1, 'Previous chapter')}
            ${request('chapter', 1, 'Next chapter')}
            ${request('episode', -1, 'Previous episode')}
            ${request('episode', 1, 'Next episode')}
          </div>
          <div class="row" role="group" aria-labelledby="speed-label" data-module="speed">
            <span id="speed-label" class="label">${RATE_NOTE} <span aria-hidden="true" data-rate-visible>1×</span><span class="visually-hidden" data-rate-spoken>1 times</span></span>
            <button type="button" data-step="-1">Slower</button>
            <button type="button" data-step="1">Faster</button>
          </div>
          <div class="row" data-module="volume">
            <button type="button" data-mute>Mute</button>
            <label for="volume">Volume</label>
            <input id="volume" type="range" min="0" max="100" step="5" value="100" aria-valuetext="100 percent">
          </div>
          <div class="row" data-module="where">
            <button type="button">Where am I?</button>
            <p class="where" data-where hidden></p>
          </div>
          <div class="row" data-module="sleep-timer">
            <label for="sleep">Sleep timer</label>
            <select id="sleep">
              <option value="off">Off</option>${SLEEP_MINUTES.map((m) => html`
              <option value="${m}">${m} minutes</option>`)}
              <option value="episode">End of this episode</option>
            </select>
            <button type="button">Set sleep timer</button>
            <p class="status" data-sleep-status hidden></p>
          </div>
          <details class="settings" data-module="settings">
            <summary>Settings</summary>
            <div class="settings-body">
              <p><label for="skip-length">Skip length</label>
              <select id="skip-length" name="skip">${SKIP_SECONDS.map((s) => html`
                <option value="${s}">${s} seconds</option>`)}
              </select></p>
              <p><label for="step">Alt+Shift+Comma and Alt+Shift+Full stop move by</label>
              <select id="step" name="step">
                <option value="chapter">Chapter</option>
                <option value="sentence">Sentence</option>
                <option value="time">10 seconds</option>
              </select></p>
              <p class="check"><input id="radio" type="checkbox" name="radio"> <label for="radio">Radio: play the next episode when one ends</label></p>
              <p class="check"><input id="shortcuts" type="checkbox" name="shortcuts"> <label for="shortcuts">Keyboard shortcuts (Alt+Shift with a key)</label></p>
              <p class="check"><input id="follow" type="checkbox" name="follow"> <label for="follow">Follow along in the transcript</label></p>
            </div>
          </details>
          <div class="row" data-module="help">
            <button type="button" aria-haspopup="dialog">Keyboard shortcuts</button>
            <dialog class="dialog" aria-labelledby="help-title" aria-modal="true">
              <h2 id="help-title" tabindex="-1">Keyboard shortcuts</h2>
              <p>These work wherever focus is on this page, except in a text field or a list to choose from, where the keys are yours. Hold Alt and Shift (Option and Shift on a Mac) and press the key. Turn them off in Settings if they clash with keys you use.</p>
              <p>They were checked with the GNOME Orca 43 screen reader in Chromium, which lets every one of them through. NVDA and VoiceOver were checked on paper only, against their published lists of commands, which use their own keys (Insert or Caps Lock; Control and Option) and none of these; JAWS only against lists of its common keys. If one of them clashes with a key you use, turn the shortcuts off in Settings.</p>
              <table>
                <caption class="visually-hidden">Shortcut keys</caption>
                <thead><tr><th scope="col">Keys</th><th scope="col">Action</th></tr></thead>
                <tbody data-shortcut-rows></tbody>
              </table>
              <p>Everywhere in the player: Tab and Shift+Tab move between controls, Space or Enter presses a button, arrow keys, Page Up, Page Down, Home and End move a slider, and Escape closes this dialog.</p>
              <p><button type="button" data-close>Close</button></p>
            </dialog>
          </div>
        </div>`;
}

/**
 * The attributes of the player's root (the page's `<main>`, where the player
 * script starts and every component's events meet): the episode it plays.
 */
export function playerRootAttributes(entry: CatalogEntry, showTitle: string): Html {
  const { episode } = entry;
  return html`data-module="player" data-episode="${episode.id}" data-title="${episode.title}" data-show="${showTitle}" data-transcript="${episodeFiles(episode.id).transcriptJson}"`;
}

/**
 * The labelled player region of one episode. Its heading can take focus
 * (`tabindex="-1"`): the skip link lands there, and so does focus when the
 * next episode replaces the part that held it, never on `<body>`.
 */
export function playerSection(entry: CatalogEntry, language: string): Html {
  const { episode, narration } = entry;
  const files = episodeFiles(episode.id);
  return html`<section id="player" class="player" aria-labelledby="player-heading">
      <h2 id="player-heading" tabindex="-1" data-swap="player-heading">Player: ${episode.title}</h2>
      <p class="error" data-module="player-error" hidden></p>
      <audio controls preload="metadata">
        <source src="${files.mp3}" type="audio/mpeg">
        <source src="${files.wav}" type="audio/wav">
        <track kind="captions" src="${files.captions}" srclang="${language}" label="Captions">
        <track kind="chapters" src="${files.chapters}" srclang="${language}" label="Chapters">
        <a href="${files.mp3}">Download the episode audio</a>
      </audio>
      ${controls()}
      <h3 id="chapters-heading">Chapters</h3>
      <ol class="chapters" data-module="chapters" data-swap="chapters">${narration.chapters.map(
        (chapter, index) => html`
        <li><a href="#chapter-${chapter.id}" data-chapter="${index}">Chapter ${chapter.number}: ${chapter.title}</a> <span class="time" data-chapter-time></span></li>`,
      )}
      </ol>
      <h3 id="downloads-heading">Downloads</h3>
      <ul class="downloads" data-swap="downloads">
        <li><a href="${files.mp3}" download="${episode.id}.mp3">Audio, MP3</a></li>
        <li><a href="${files.wav}" download="${episode.id}.wav">Audio, WAV (larger)</a></li>
        <li><a href="${files.transcriptHtml}" download="${episode.id}-transcript.html">Transcript, HTML</a></li>
        <li><a href="${files.captions}" download="${episode.id}.vtt">Captions, WebVTT</a></li>
        <li><a href="${BOOK_URL}" download="talking-book.epub">Talking book, EPUB 3 with narration (every episode)</a></li>
      </ul>
      <p class="offline" data-module="offline" hidden><button type="button">Save for offline</button> <span class="status" data-offline-status></span></p>
    </section>`;
}
