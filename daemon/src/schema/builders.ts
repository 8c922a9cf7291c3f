/**
 * TypeBox builders for the few shapes TypeBox writes differently from OpenAPI 3.0. The schemas
 * stay plain JSON Schema objects (what `/openapi.json` publishes) and `Static<typeof S>` gives
 * their TypeScript type, so a shape is declared once.
 */
import { Type, type SchemaOptions, type Static, type TSchema } from '@sinclair/typebox';

/** T or null, as OpenAPI 3.0 says it (`nullable: true`) rather than `anyOf [T, {type: null}]`. */
export const Nullable = <T extends TSchema>(schema: T) =>
  Type.Unsafe<Static<T> | null>({ ...schema, nullable: true });

/** One of a few strings, as a plain `enum` (TypeBox's literal unions become `anyOf`/`const`). */
export const StringEnum = <const V extends readonly string[]>(
  values: V,
  options: SchemaOptions = {},
) => Type.Unsafe<V[number]>({ ...options, type: 'string', enum: [...values] });
