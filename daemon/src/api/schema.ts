/**
 * The small subset of JSON Schema the API uses, and a validator for it. The route table declares
 * each request body and query string with these schemas once: the router validates requests
 * with them and openapi.ts publishes the very same objects, so the document cannot drift from
 * what the server accepts.
 */
import { badRequest } from './http-error.js';

export type Schema =
  | {
      type: 'string';
      description?: string;
      pattern?: string;
      enum?: readonly string[];
      minLength?: number;
      maxLength?: number;
      format?: string;
      example?: string;
    }
  | {
      type: 'integer';
      description?: string;
      minimum?: number;
      maximum?: number;
      nullable?: boolean;
      example?: number;
    }
  | { type: 'boolean'; description?: string }
  | { type: 'array'; description?: string; items: Schema; maxItems?: number }
  | ObjectSchema;

export interface ObjectSchema {
  type: 'object';
  description?: string;
  properties: Record<string, Schema>;
  required?: readonly string[];
  additionalProperties?: boolean;
}

/** A decimal amount of money, as a string (never a JSON number: floats lose cents). */
export const moneySchema = (description: string): Schema => ({
  type: 'string',
  pattern: '^-?\\d+(\\.\\d{1,5})?$',
  description: `${description} (decimal string, up to 5 decimal places)`,
  example: '10.00',
});

function describe(path: string): string {
  return path === '' ? 'the body' : `'${path}'`;
}

/** Throws a 400 HttpError naming the first problem; returns the value typed as T. */
export function validate<T>(schema: Schema, value: unknown, path = ''): T {
  check(schema, value, path);
  return value as T;
}

function check(schema: Schema, value: unknown, path: string): void {
  const where = describe(path);
  switch (schema.type) {
    case 'string': {
      if (typeof value !== 'string') throw badRequest(`${where} must be a string`);
      if (schema.minLength !== undefined && value.length < schema.minLength)
        throw badRequest(`${where} must not be empty`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength)
        throw badRequest(`${where} must be at most ${schema.maxLength} characters`);
      if (schema.enum && !schema.enum.includes(value))
        throw badRequest(`${where} must be one of ${schema.enum.join(', ')}`);
      if (schema.pattern && !new RegExp(schema.pattern).test(value)) {
        throw badRequest(
          `${where} is not valid${schema.description ? `: ${schema.description}` : ''}`,
        );
      }
      return;
    }
    case 'integer': {
      if (value === null && schema.nullable) return;
      if (typeof value !== 'number' || !Number.isSafeInteger(value))
        throw badRequest(`${where} must be a whole number`);
      if (schema.minimum !== undefined && value < schema.minimum)
        throw badRequest(`${where} must be at least ${schema.minimum}`);
      if (schema.maximum !== undefined && value > schema.maximum)
        throw badRequest(`${where} must be at most ${schema.maximum}`);
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw badRequest(`${where} must be true or false`);
      return;
    case 'array': {
      if (!Array.isArray(value)) throw badRequest(`${where} must be an array`);
      if (schema.maxItems !== undefined && value.length > schema.maxItems)
        throw badRequest(`${where} must have at most ${schema.maxItems} items`);
      value.forEach((item, i) => check(schema.items, item, `${path}[${i}]`));
      return;
    }
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw badRequest(
          path === '' ? 'the body must be a JSON object' : `${where} must be an object`,
        );
      }
      const obj = value as Record<string, unknown>;
      for (const key of schema.required ?? []) {
        if (obj[key] === undefined)
          throw badRequest(`'${path ? `${path}.` : ''}${key}' is required`);
      }
      for (const [key, v] of Object.entries(obj)) {
        const prop = schema.properties[key];
        const sub = path ? `${path}.${key}` : key;
        if (!prop) {
          if (schema.additionalProperties === false) throw badRequest(`unknown field '${sub}'`);
          continue;
        }
        if (v === undefined) continue;
        check(prop, v, sub);
      }
      return;
    }
  }
}
