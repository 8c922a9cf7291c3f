/**
 * Checks a value against a JSON Schema of the subset our schemas use (type string, integer,
 * number, boolean, array, object; pattern, enum, length and range limits, nullable, required,
 * additionalProperties) and says what the first problem is, naming the field. It reads plain
 * JSON Schema, so it checks TypeBox schemas and the schemas of a published OpenAPI document
 * alike. Anything outside the subset is a programming error and throws.
 */

/** The JSON Schema keywords the checker understands. */
export interface JsonSchema {
  type?: string;
  description?: string;
  nullable?: boolean;
  pattern?: string;
  enum?: readonly unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  /** Only `false` is read: a schema for extra fields is outside the subset. */
  additionalProperties?: boolean | object;
}

export interface CheckOptions {
  /** How a field is named in messages (default: quoted, `'anis[0]'`). */
  name?: (path: string) => string;
  /** Objects accept no field their schema does not list, whatever additionalProperties says. */
  closed?: boolean;
}

const quoted = (path: string) => `'${path}'`;
const patterns = new Map<string, RegExp>();

/** The first problem with `value`, in one sentence; undefined when it matches `schema`. */
export function findProblem(
  schema: JsonSchema,
  value: unknown,
  options: CheckOptions = {},
  path = '',
): string | undefined {
  const name = options.name ?? quoted;
  const where = path === '' ? 'the body' : name(path);
  if (value === null && schema.nullable) return undefined;
  switch (schema.type) {
    case 'string': {
      if (typeof value !== 'string') return `${where} must be a string`;
      if (schema.minLength !== undefined && value.length < schema.minLength)
        return schema.minLength === 1
          ? `${where} must not be empty`
          : `${where} must be at least ${schema.minLength} characters`;
      if (schema.maxLength !== undefined && value.length > schema.maxLength)
        return `${where} must be at most ${schema.maxLength} characters`;
      if (schema.enum && !schema.enum.includes(value))
        return `${where} must be one of ${schema.enum.join(', ')}`;
      if (schema.pattern !== undefined && !regex(schema.pattern).test(value))
        return `${where} is not valid${schema.description ? `: ${schema.description}` : ''}`;
      return undefined;
    }
    case 'integer':
    case 'number': {
      if (schema.type === 'integer' && !Number.isSafeInteger(value))
        return `${where} must be a whole number`;
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${where} must be a number`;
      if (schema.minimum !== undefined && value < schema.minimum)
        return `${where} must be at least ${schema.minimum}`;
      if (schema.maximum !== undefined && value > schema.maximum)
        return `${where} must be at most ${schema.maximum}`;
      return undefined;
    }
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${where} must be true or false`;
    case 'array': {
      if (!Array.isArray(value)) return `${where} must be an array`;
      if (schema.maxItems !== undefined && value.length > schema.maxItems)
        return `${where} must have at most ${schema.maxItems} items`;
      const items = schema.items ?? unsupported(path, 'an array without items');
      for (const [i, item] of value.entries()) {
        const problem = findProblem(items, item, options, `${path}[${i}]`);
        if (problem) return problem;
      }
      return undefined;
    }
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return `${where} must be ${path === '' ? 'a JSON object' : 'an object'}`;
      const obj = value as Record<string, unknown>;
      const properties = schema.properties ?? {};
      const inner = (key: string) => (path ? `${path}.${key}` : key);
      for (const key of schema.required ?? [])
        if (obj[key] === undefined) return `${name(inner(key))} is required`;
      for (const [key, v] of Object.entries(obj)) {
        const prop = properties[key];
        if (!prop) {
          if (schema.additionalProperties === false || options.closed)
            return `unknown field '${inner(key)}' (allowed: ${Object.keys(properties).join(', ')})`;
          continue;
        }
        if (v === undefined) continue;
        const problem = findProblem(prop, v, options, inner(key));
        if (problem) return problem;
      }
      return undefined;
    }
    default:
      return unsupported(path, `type ${String(schema.type)}`);
  }
}

function regex(source: string): RegExp {
  let r = patterns.get(source);
  if (!r) patterns.set(source, (r = new RegExp(source)));
  return r;
}

function unsupported(path: string, what: string): never {
  throw new Error(`schema at '${path}': ${what} is outside the subset the checker reads`);
}
