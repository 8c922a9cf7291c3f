/**
 * The API's side of the schemas: request and response bodies are TypeBox schemas (plain JSON
 * Schema, OpenAPI 3.0 flavoured), declared once in the route table. The router validates
 * requests with them, openapi.ts publishes the very same objects and the handlers get
 * `Static<>` types derived from them, so document, check and type cannot drift apart.
 */
import { findProblem, Type, type Static, type TSchema } from '../schema/index.js';
import { badRequest } from './http-error.js';
import { CURRENCY } from '../rating/index.js';

/** A decimal amount of money, as a string (never a JSON number: floats lose cents). */
export const moneySchema = (description: string) =>
  Type.String({
    pattern: '^-?\\d+(\\.\\d{1,5})?$',
    description: `${description} (decimal string, up to 5 decimal places)`,
    example: '10.00',
  });

/** An ISO 4217 currency code: the same pattern the store checks (rating/fx.ts CURRENCY). */
export const currencySchema = (description: string) =>
  Type.String({ pattern: CURRENCY.source, description });

/** Throws a 400 HttpError naming the first problem; returns the value with the schema's type. */
export function validate<S extends TSchema>(schema: S, value: unknown, path = ''): Static<S> {
  const problem = findProblem(schema, value, {}, path);
  if (problem) throw badRequest(problem);
  return value as Static<S>;
}
