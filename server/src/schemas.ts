/**
 * JSON schemas for the HTTP API. Route types are derived from these, never written twice.
 */
import { Type, type Static } from '@sinclair/typebox';

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    instance: Type.Optional(Type.String()),
  },
  { $id: 'Problem' },
);

export const EpisodeParamsSchema = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);

export const EpisodeSummarySchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  summary: Type.String(),
  chapters: Type.Array(Type.Object({ id: Type.String(), number: Type.Integer(), title: Type.String() })),
  links: Type.Object({ page: Type.String(), ssml: Type.String(), audio: Type.String(), transcript: Type.String() }),
});

export const EpisodeListSchema = Type.Object({
  title: Type.String(),
  episodes: Type.Array(EpisodeSummarySchema),
});

export const TranscriptSchema = Type.Object({
  episodeId: Type.String(),
  durationMs: Type.Integer(),
  chapters: Type.Array(
    Type.Object({ id: Type.String(), number: Type.Integer(), title: Type.String(), startMs: Type.Integer(), endMs: Type.Integer() }),
  ),
  sentences: Type.Array(
    Type.Object({
      id: Type.String(),
      chapterId: Type.String(),
      kind: Type.String(),
      factId: Type.Optional(Type.String()),
      text: Type.String(),
      startMs: Type.Integer(),
      endMs: Type.Integer(),
    }),
  ),
});

export type EpisodeSummary = Static<typeof EpisodeSummarySchema>;
export type Transcript = Static<typeof TranscriptSchema>;
