/**
 * JSON schemas for the HTTP API. Route types are derived from these, never written twice.
 */
import { Type, type Static } from '@sinclair/typebox';
import { AUDIO_FORMATS } from './audio/formats.js';

export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.String(),
  instance: Type.Optional(Type.String()),
});

/**
 * Bytes sent as they are (audio): never serialized, so the schema only documents.
 * 304 and HEAD answers have no body at all.
 */
export const BytesSchema = Type.Unsafe<Buffer>({ description: 'the file, or the requested ranges of it' });
export const NoBodySchema = Type.Null({ description: 'no body: the copy the client holds is current' });

/** Routes without a query take none: an unknown field is a 400 naming it, not silently ignored. */
export const NoQuerySchema = Type.Object({}, { additionalProperties: false });

const Slug = Type.String({ pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$', maxLength: 100 });

export const IdParamsSchema = Type.Object({ id: Slug }, { additionalProperties: false });
export const NameParamsSchema = Type.Object({ name: Slug }, { additionalProperties: false });

/** Between two speaking rates a listener can ask for. */
export const RATE_STEP = 0.25;
/** The speaking rates a listener can ask for: 0.5x to 4x in steps of 0.25. */
export const RATES: readonly number[] = Array.from({ length: 15 }, (_, i) => 0.5 + i * RATE_STEP);

/** How a listener can ask for a rendition: rate and voice (captions and transcript follow them). */
export const VoiceQuerySchema = Type.Object(
  {
    // The enum is what refuses `rate=1e309`: Ajv coerces it to Infinity and then skips
    // minimum, maximum and multipleOf, which only test finite numbers; the enum does not.
    rate: Type.Number({ minimum: 0.5, maximum: 4, multipleOf: RATE_STEP, enum: RATES, default: 1 }),
    voice: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{2,40}$' })),
  },
  { additionalProperties: false },
);
export const AudioQuerySchema = Type.Object(
  {
    format: Type.Union(AUDIO_FORMATS.map((f) => Type.Literal(f)), { default: 'mp3' }),
    rate: VoiceQuerySchema.properties.rate,
    voice: VoiceQuerySchema.properties.voice,
  },
  { additionalProperties: false },
);
export const SsmlQuerySchema = Type.Object(
  {
    profile: Type.Union([Type.Literal('canonical'), Type.Literal('espeak'), Type.Literal('plain')], { default: 'canonical' }),
    /** One chapter as a document of its own. */
    chapter: Type.Optional(Slug),
    rate: VoiceQuerySchema.properties.rate,
    voice: VoiceQuerySchema.properties.voice,
  },
  { additionalProperties: false },
);
export const TranscriptQuerySchema = Type.Object(
  {
    format: Type.Union([Type.Literal('json'), Type.Literal('html')], { default: 'json' }),
    rate: VoiceQuerySchema.properties.rate,
    voice: VoiceQuerySchema.properties.voice,
  },
  { additionalProperties: false },
);

const ChapterSchema = Type.Object({
  id: Type.String(),
  number: Type.Integer(),
  title: Type.String(),
  /** Null until the episode has been rendered. */
  startMs: Type.Union([Type.Integer(), Type.Null()]),
});

const LinksSchema = Type.Object({
  page: Type.String(),
  self: Type.String(),
  ssml: Type.String(),
  /** The MP3: every browser and podcast app plays it. */
  audio: Type.String(),
  /** The audio in each format this server can make, by format. */
  audioFormats: Type.Record(Type.String(), Type.String()),
  captions: Type.String(),
  chapters: Type.String(),
  chaptersJson: Type.String(),
  transcript: Type.String(),
  transcriptHtml: Type.String(),
});

export const EpisodeSummarySchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  summary: Type.String(),
  durationMs: Type.Union([Type.Integer(), Type.Null()]),
  chapters: Type.Array(ChapterSchema),
  links: LinksSchema,
});

export const EpisodeListSchema = Type.Object({
  title: Type.String(),
  episodes: Type.Array(EpisodeSummarySchema),
});

export const SourceRefSchema = Type.Object({ id: Type.String(), title: Type.String(), file: Type.String(), published: Type.Union([Type.String(), Type.Null()]) });

export const VariantNoteSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  subject: Type.String(),
  resolved: Type.String(),
  reason: Type.String(),
  variants: Type.Array(Type.Object({ value: Type.String(), sources: Type.Array(Type.String()) })),
});

export const FactViewSchema = Type.Object({
  id: Type.String(),
  topic: Type.String(),
  text: Type.String(),
  quote: Type.Boolean(),
  sources: Type.Array(SourceRefSchema),
  people: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
  sourcesDiffer: Type.Array(VariantNoteSchema),
});

export const EpisodeDetailSchema = Type.Composite([
  EpisodeSummarySchema,
  Type.Object({ formats: Type.Array(Type.String()), facts: Type.Array(FactViewSchema) }),
]);

export const TimedSentenceSchema = Type.Object({
  id: Type.String(),
  chapterId: Type.String(),
  kind: Type.String(),
  factId: Type.Optional(Type.String()),
  text: Type.String(),
  startMs: Type.Integer(),
  endMs: Type.Integer(),
});

export const TranscriptSchema = Type.Object({
  episodeId: Type.String(),
  durationMs: Type.Integer(),
  chapters: Type.Array(
    Type.Object({ id: Type.String(), number: Type.Integer(), title: Type.String(), startMs: Type.Integer(), endMs: Type.Integer() }),
  ),
  sentences: Type.Array(TimedSentenceSchema),
});

export const ChaptersJsonSchema = Type.Object({
  version: Type.String(),
  chapters: Type.Array(Type.Object({ startTime: Type.Number(), endTime: Type.Number(), title: Type.String() })),
});

const RoleViewSchema = Type.Object({
  kind: Type.Union([Type.Literal('cast'), Type.Literal('crew')]),
  /** "plays Marie-Laure LeBlanc" or "director", ready to read. */
  description: Type.String(),
  character: Type.Optional(Type.Object({ id: Type.String(), name: Type.String(), description: Type.String() })),
  job: Type.Optional(Type.String()),
  note: Type.Optional(Type.String()),
});

export const PersonSummarySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  roles: Type.Array(RoleViewSchema),
  credits: Type.Array(Type.String()),
  pronunciation: Type.Union([Type.String(), Type.Null()]),
  links: Type.Object({ self: Type.String() }),
});

export const PersonDetailSchema = Type.Composite([
  PersonSummarySchema,
  Type.Object({
    sources: Type.Array(SourceRefSchema),
    facts: Type.Array(Type.Object({ id: Type.String(), text: Type.String(), episodes: Type.Array(Type.String()) })),
    sourcesDiffer: Type.Array(VariantNoteSchema),
  }),
]);

export const PeopleListSchema = Type.Object({ people: Type.Array(PersonSummarySchema) });

export const PronunciationSchema = Type.Object({
  id: Type.String(),
  written: Type.Array(Type.String()),
  language: Type.String(),
  ipa: Type.String(),
  respelling: Type.String(),
  /** The name spoken slowly (WAV). */
  audio: Type.String(),
  /** The name spelled out, letter by letter (WAV). */
  spelled: Type.String(),
});

export const VoiceSchema = Type.Object({
  /** What the `voice` query takes. */
  id: Type.String(),
  /** For a person to choose from: "English, United States". */
  name: Type.String(),
  /** BCP 47 tag of the language it speaks. */
  language: Type.String(),
});

/** The voices and speaking rates the episodes can be rendered in (the `voice` and `rate` queries). */
export const VoiceListSchema = Type.Object({
  /** The speech engine that renders them (`embedded`, `espeak-ng`, `say`). */
  engine: Type.String(),
  /** The voice of the audio at URLs without `voice`; null when the engine leaves it to the system. */
  defaultVoice: Type.Union([Type.String(), Type.Null()]),
  /** The rates the engine renders itself; a player goes past `max` with its own playback rate. */
  rates: Type.Object({ min: Type.Number(), max: Type.Number(), step: Type.Number(), values: Type.Array(Type.Number()) }),
  voices: Type.Array(VoiceSchema),
});

export type EpisodeSummary = Static<typeof EpisodeSummarySchema>;
export type EpisodeDetail = Static<typeof EpisodeDetailSchema>;
export type FactView = Static<typeof FactViewSchema>;
export type PersonSummary = Static<typeof PersonSummarySchema>;
export type PersonDetail = Static<typeof PersonDetailSchema>;
export type VariantNote = Static<typeof VariantNoteSchema>;
export type SourceRef = Static<typeof SourceRefSchema>;
