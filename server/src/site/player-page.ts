/**
 * The player page of one episode, as HTML that works before and without
 * JavaScript: a labelled player region with native audio controls, chapters
 * and downloads; the whole transcript under chapter headings; "How do you say
 * it?"; "Who is who"; and the episode list, a heading and a link for each
 * episode. The player script enhances it. Skip links land on headings that can
 * take focus, so focus never falls to `<body>`.
 *
 * Elements marked `data-swap` are what differs from one episode's page to the
 * next: the script swaps them in place to change episode without reloading.
 */
import type { Catalog, CatalogEntry } from '../catalog.js';
import { html } from './html.js';
import { castSection, lexiconSection } from './people-html.js';
import { episodeFiles, playerRootAttributes, playerSection } from './player-html.js';
import { transcriptBody } from './transcript-html.js';

/** Where an episode's page lives; the first episode is also the home page. */
export const episodePagePath = (episodeId: string): string => `/episodes/${encodeURIComponent(episodeId)}/`;
export const episodeAudioPath = (episodeId: string): string => episodeFiles(episodeId).mp3;

/**
 * Renders the page for `entry`, with the episode list from the whole catalog.
 * `assetBase` is the URL of the player's fingerprinted files, e.g. `/assets/3f2a9c1e0b7d4e55`.
 */
export function renderPlayerPage(catalog: Catalog, entry: CatalogEntry, assetBase: string): string {
  const { info } = catalog.pack;
  const { episode } = entry;
  const language = info.language.split('-')[0] ?? 'en';
  const number = catalog.entries.indexOf(entry) + 1;
  const page = html`<!doctype html>
<html lang="${language}">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light dark">
    <title>${episode.title} – ${info.title}</title>
    <meta name="description" content="${episode.summary}">
    <link rel="icon" href="/favicon.ico" sizes="16x16 32x32">
    <link rel="icon" href="/icon.svg" type="image/svg+xml">
    <link rel="stylesheet" href="${assetBase}/player.css">
    <script type="module" src="${assetBase}/main.js"></script>
  </head>
  <body>
    <a class="skip-link" href="#player-heading">Skip to the player</a>
    <header class="site-header">
      <p class="site-title"><a href="/">${info.title}</a></p>
    </header>
    <main ${playerRootAttributes(entry, info.title)}>
      <h1 data-swap="title">${episode.title}</h1>
      <p class="summary" data-swap="summary">Episode ${number} of ${catalog.entries.length}. ${episode.summary}</p>
      ${playerSection(entry, language)}
      <section id="transcript" class="transcript" aria-labelledby="transcript-heading" data-module="transcript">
        <h2 id="transcript-heading" tabindex="-1">Transcript</h2>
        <a class="skip-link skip-transcript" href="#names-heading">Skip past the transcript</a>
        <div class="transcript-body" data-swap="transcript">${transcriptBody(catalog, entry)}</div>
      </section>
      ${lexiconSection(catalog)}
      ${castSection(catalog)}
      <nav class="episodes" aria-labelledby="episodes-heading">
        <h2 id="episodes-heading" tabindex="-1">All episodes</h2>
        <ol data-swap="episodes">${catalog.entries.map(
          (other) =>
            html`
          <li>
            <h3><a href="${episodePagePath(other.episode.id)}" data-episode-id="${other.episode.id}" data-transcript="${episodeFiles(other.episode.id).transcriptJson}"${other === entry ? html` aria-current="page"` : false}>${other.episode.title}</a></h3>
            <p>${other.episode.summary}</p>
          </li>`,
        )}
        </ol>
      </nav>
      <div class="visually-hidden" role="status" data-module="announcer"></div>
    </main>
  </body>
</html>
`;
  return page.value;
}
