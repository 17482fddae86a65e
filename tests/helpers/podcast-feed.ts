/**
 * A real podcast feed parser (rss-parser, as podcast apps' back ends use) that
 * also reads the podcast namespace's transcript, chapters and person tags.
 */
import Parser from 'rss-parser';

/** An item as the parser gives it, with the podcast namespace's tags. */
export type PodcastItem = Parser.Item & {
  enclosure: { url: string; length: string; type: string };
  transcripts: { $: { url: string; type: string } }[];
  chapters: { $: { url: string } };
  people: { _: string; $: { role: string; group: string; href: string } }[];
};

/** Parses a feed's XML, failing as a podcast app would on anything that is not RSS. */
export function parsePodcastFeed(xml: string): Promise<Parser.Output<PodcastItem>> {
  const parser: Parser<object, PodcastItem> = new Parser({
    customFields: {
      item: [
        ['podcast:transcript', 'transcripts', { keepArray: true }],
        ['podcast:chapters', 'chapters'],
        ['podcast:person', 'people', { keepArray: true }],
      ],
    },
  });
  return parser.parseString(xml) as Promise<Parser.Output<PodcastItem>>;
}
