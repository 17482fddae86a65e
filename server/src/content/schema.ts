/**
 * The content pack's format. One schema serves `npm run content:check` and the
 * server's start-up, so a pack that checks clean is a pack the server accepts.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Id = Type.String({ pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$', maxLength: 80 });
const Text = Type.String({ minLength: 1, maxLength: 2000 });
const SourceIds = Type.Array(Id, { minItems: 1, uniqueItems: true });
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

/** A value together with the sources that state it. */
const Sourced = <T extends TSchema>(value: T) =>
  Type.Object({ value, sources: SourceIds }, { additionalProperties: false });

export const PackInfoSchema = Type.Object(
  {
    id: Id,
    language: Type.String({ pattern: '^[a-z]{2,3}(?:-[A-Z]{2})?$' }),
    title: Text,
    description: Text,
    show: Text,
    /**
     * Who publishes the feed: podcast directories write to this address to confirm a
     * listing or a move (`itunes:owner`, `podcast:locked owner`). A host sets their own.
     */
    owner: Type.Optional(
      Type.Object(
        { name: Text, email: Type.String({ pattern: '^[^\\s@<>"]+@[^\\s@<>"]+\\.[^\\s@<>"]+$', maxLength: 254 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const SourceSchema = Type.Object(
  {
    id: Id,
    file: Type.String({ pattern: '^[A-Za-z0-9._-]+$' }),
    title: Text,
    published: Type.Union([IsoDate, Type.Null()]),
    language: Type.String({ minLength: 2 }),
    notes: Type.Optional(Text),
  },
  { additionalProperties: false },
);

export const ShowSchema = Type.Object(
  {
    title: Sourced(Text),
    format: Sourced(Text),
    network: Sourced(Text),
    episodeCount: Sourced(Type.Integer({ minimum: 1 })),
    episodeRuntimeMinutes: Type.Optional(Sourced(Type.Integer({ minimum: 1 }))),
    releaseDate: Sourced(IsoDate),
    availability: Sourced(Text),
    novel: Type.Optional(
      Type.Object(
        {
          title: Sourced(Text),
          author: Sourced(Text),
          year: Type.Optional(Sourced(Type.Integer({ minimum: 1000, maximum: 3000 }))),
          prize: Type.Optional(Sourced(Text)),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const CharacterSchema = Type.Object(
  { id: Id, name: Text, description: Text, sources: SourceIds },
  { additionalProperties: false },
);

export const RoleSchema = Type.Union([
  Type.Object(
    { kind: Type.Literal('cast'), character: Type.Optional(Id), note: Type.Optional(Text) },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('crew'), job: Text }, { additionalProperties: false }),
]);

export const PersonSchema = Type.Object(
  {
    id: Id,
    name: Text,
    pronunciation: Type.Optional(Id),
    roles: Type.Array(RoleSchema),
    credits: Type.Array(Text),
    sources: SourceIds,
  },
  { additionalProperties: false },
);

export const TOPICS = [
  'story',
  'setting',
  'characters',
  'cast',
  'crew',
  'novel',
  'release',
  'production',
  'music',
  'accessibility',
  'trailer',
  'featurette',
] as const;

export const FactSchema = Type.Object(
  {
    id: Id,
    topic: Type.Union(TOPICS.map((topic) => Type.Literal(topic))),
    text: Type.String({ minLength: 1, maxLength: 600 }),
    people: Type.Array(Id, { uniqueItems: true }),
    characters: Type.Array(Id, { uniqueItems: true }),
    sources: SourceIds,
    quote: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ConflictSchema = Type.Object(
  {
    id: Id,
    kind: Type.Union(['spelling', 'title', 'translation', 'error', 'omission', 'date', 'credit'].map((k) => Type.Literal(k))),
    subject: Text,
    resolved: Text,
    reason: Text,
    // One variant is enough when every source errs and the resolved value corrects them all.
    variants: Type.Array(Type.Object({ value: Text, sources: SourceIds }, { additionalProperties: false }), {
      minItems: 1,
    }),
    facts: Type.Array(Id, { uniqueItems: true }),
    people: Type.Optional(Type.Array(Id, { uniqueItems: true })),
  },
  { additionalProperties: false },
);

export const LexiconEntrySchema = Type.Object(
  {
    id: Id,
    written: Type.Array(Type.String({ minLength: 2, maxLength: 80 }), { minItems: 1, uniqueItems: true }),
    lang: Type.String({ pattern: '^[a-z]{2,3}(?:-[A-Z]{2})?$' }),
    ipa: Type.String({ minLength: 1, maxLength: 200 }),
    respelling: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z][A-Za-z \'-]*$' }),
  },
  { additionalProperties: false },
);

export const ChapterItemSchema = Type.Union([
  Type.Object({ fact: Id }, { additionalProperties: false }),
  Type.Object({ say: Type.String({ minLength: 1, maxLength: 600 }) }, { additionalProperties: false }),
]);

export const ChapterSchema = Type.Object(
  { id: Id, title: Text, items: Type.Array(ChapterItemSchema, { minItems: 1 }) },
  { additionalProperties: false },
);

export const EpisodeSchema = Type.Object(
  { id: Id, title: Text, summary: Text, chapters: Type.Array(ChapterSchema, { minItems: 1 }) },
  { additionalProperties: false },
);

/** Each file of a pack, with the schema its JSON must meet. */
export const PACK_FILES = {
  pack: { file: 'pack.json', schema: PackInfoSchema },
  sources: { file: 'sources.json', schema: Type.Array(SourceSchema, { minItems: 1 }) },
  show: { file: 'show.json', schema: ShowSchema },
  characters: { file: 'characters.json', schema: Type.Array(CharacterSchema) },
  people: { file: 'people.json', schema: Type.Array(PersonSchema) },
  facts: { file: 'facts.json', schema: Type.Array(FactSchema, { minItems: 1 }) },
  conflicts: { file: 'conflicts.json', schema: Type.Array(ConflictSchema) },
  lexicon: { file: 'lexicon.json', schema: Type.Array(LexiconEntrySchema) },
  episodes: { file: 'episodes.json', schema: Type.Array(EpisodeSchema, { minItems: 1 }) },
} as const;

export type PackInfo = Static<typeof PackInfoSchema>;
export type Source = Static<typeof SourceSchema>;
export type Show = Static<typeof ShowSchema>;
export type Character = Static<typeof CharacterSchema>;
export type Role = Static<typeof RoleSchema>;
export type Person = Static<typeof PersonSchema>;
export type Topic = (typeof TOPICS)[number];
export type Fact = Static<typeof FactSchema>;
export type Conflict = Static<typeof ConflictSchema>;
export type LexiconEntry = Static<typeof LexiconEntrySchema>;
export type ChapterItem = Static<typeof ChapterItemSchema>;
export type Chapter = Static<typeof ChapterSchema>;
export type Episode = Static<typeof EpisodeSchema>;

/** A whole pack, as loaded and checked. */
export interface ContentPack {
  readonly dir: string;
  readonly info: PackInfo;
  readonly sources: readonly Source[];
  readonly show: Show;
  readonly characters: readonly Character[];
  readonly people: readonly Person[];
  readonly facts: readonly Fact[];
  readonly conflicts: readonly Conflict[];
  readonly lexicon: readonly LexiconEntry[];
  readonly episodes: readonly Episode[];
}
