/**
 * The player page of one episode, as HTML that works before and without
 * JavaScript: a labelled player region with native audio controls, download
 * links, and the whole transcript under chapter headings.
 */
import type { Catalog, CatalogEntry } from '../catalog.js';
import { html, type Html } from './html.js';

/** Where an episode's page lives; the first episode is also the home page. */
export const episodePagePath = (episodeId: string): string => `/episodes/${encodeURIComponent(episodeId)}/`;
export const episodeAudioPath = (episodeId: string): string => `/api/episodes/${encodeURIComponent(episodeId)}/audio`;

function transcript(entry: CatalogEntry): Html {
  return html`<section class="transcript" aria-labelledby="transcript-heading" data-module="transcript">
      <h2 id="transcript-heading">Transcript</h2>
      ${entry.narration.chapters.map(
        (chapter) => html`<h3 id="chapter-${chapter.id}">Chapter ${chapter.number}: ${chapter.title}</h3>
      <p>${chapter.sentences
        .filter((s) => s.kind !== 'chapter-title')
        .map((s) => html`<span class="sentence" data-sentence="${s.id}">${s.text}</span> `)}</p>
      `,
      )}
    </section>`;
}

/** Renders the page for `entry`, with the episode list from the whole catalog. */
export function renderPlayerPage(catalog: Catalog, entry: CatalogEntry): string {
  const { info } = catalog.pack;
  const { episode } = entry;
  const audio = episodeAudioPath(episode.id);
  const page = html`<!doctype html>
<html lang="${info.language.split('-')[0] ?? 'en'}">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${episode.title} – ${info.title}</title>
    <meta name="description" content="${episode.summary}">
    <link rel="stylesheet" href="/assets/player.css">
    <script type="module" src="/assets/main.js"></script>
  </head>
  <body>
    <a class="skip-link" href="#player">Skip to the player</a>
    <header class="site-header">
      <p class="site-title">${info.title}</p>
    </header>
    <main>
      <h1>${episode.title}</h1>
      <p class="summary">${episode.summary}</p>
      <section id="player" class="player" aria-labelledby="player-heading" data-module="player" data-episode="${episode.id}">
        <h2 id="player-heading">Player: ${episode.title}</h2>
        <audio controls preload="metadata" src="${audio}">
          <a href="${audio}">Download the episode audio</a>
        </audio>
        <ul class="downloads">
          <li><a href="${audio}" download="${episode.id}.wav">Download the audio (WAV)</a></li>
        </ul>
      </section>
      ${transcript(entry)}
      <nav class="episodes" aria-labelledby="episodes-heading">
        <h2 id="episodes-heading">All episodes</h2>
        <ul>
          ${catalog.entries.map(
            (other) =>
              html`<li><a href="${episodePagePath(other.episode.id)}"${other === entry ? html` aria-current="page"` : html``}>${other.episode.title}</a>: ${other.episode.summary}</li>
          `,
          )}
        </ul>
      </nav>
    </main>
  </body>
</html>
`;
  return page.value;
}
