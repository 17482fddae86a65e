/**
 * People: who plays whom and who made the series, with the facts that
 * mention each person and where sources disagree about them.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Catalog } from '../catalog.js';
import { PersonNotFound } from '../errors.js';
import { IdParamsSchema, NoQuerySchema, PeopleListSchema, PersonDetailSchema, ProblemSchema } from '../schemas.js';
import { personSummary, sourceRefs, variantNote } from './views.js';

const people: FastifyPluginAsyncTypebox<{ catalog: Catalog }> = async (app, { catalog }) => {
  for (const url of ['/api/people', '/api/people.json']) {
    app.get(url, { schema: { querystring: NoQuerySchema, response: { 200: PeopleListSchema, 400: ProblemSchema } } }, async () => ({
      people: catalog.pack.people.map((p) => personSummary(catalog, p)),
    }));
  }

  for (const url of ['/api/people/:id', '/api/people/:id.json']) app.get(url, { schema: { params: IdParamsSchema, querystring: NoQuerySchema, response: { 200: PersonDetailSchema, 400: ProblemSchema, 404: ProblemSchema } } }, async (request) => {
    const person = catalog.person(request.params.id);
    if (person === undefined) throw new PersonNotFound(request.params.id);
    const facts = catalog.factsOfPerson(person.id);
    const conflicts = catalog.pack.conflicts.filter((c) => c.people?.includes(person.id));
    return {
      ...personSummary(catalog, person),
      sources: sourceRefs(catalog, person.sources),
      facts: facts.map((f) => ({ id: f.id, text: f.text, episodes: [...catalog.episodesOfFact(f.id)] })),
      sourcesDiffer: conflicts.map(variantNote),
    };
  });
};

export default people;
