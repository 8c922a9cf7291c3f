/**
 * One ARI operation: what the API declaration says about it (path, nickname, parameters, response
 * model, error codes) and the handler that implements it. The declarations served to clients are
 * generated from these tables, so the interface and the behaviour cannot drift apart.
 */
import type { SimEngine } from '../engine.js';
import { AriError } from '../errors.js';

export type ParamType = 'path' | 'query' | 'body';

export interface ParamSpec {
  name: string;
  paramType: ParamType;
  dataType: 'string' | 'int' | 'long' | 'boolean' | 'containers' | 'object';
  required?: boolean;
  allowMultiple?: boolean;
  defaultValue?: string | number | boolean;
  allowableValues?: string[];
  description?: string;
}

/** A path parameter (always a required string). */
export const pathParam = (name: string): ParamSpec => ({
  name,
  paramType: 'path',
  dataType: 'string',
  required: true,
});

/** A query parameter: optional and single unless `extra` says otherwise. */
export const queryParam = (
  name: string,
  dataType: ParamSpec['dataType'] = 'string',
  extra: Partial<ParamSpec> = {},
): ParamSpec => ({
  name,
  paramType: 'query',
  dataType,
  required: false,
  allowMultiple: false,
  ...extra,
});

/** An optional body parameter. */
export const bodyParam = (name: string, dataType: ParamSpec['dataType']): ParamSpec => ({
  name,
  paramType: 'body',
  dataType,
  required: false,
  allowMultiple: false,
});

export interface Reply {
  status: number;
  body?: unknown;
}

export interface RouteContext {
  sim: SimEngine;
  params: Params;
  /** The parsed JSON body, when there is one. */
  body: Record<string, unknown> | undefined;
}

export interface RouteSpec {
  path: string;
  method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  nickname: string;
  summary: string;
  responseClass: string;
  params: ParamSpec[];
  errors?: [number, string][];
  /** Set on the websocket operation: served by the upgrade handler, not as a REST call. */
  upgrade?: 'websocket';
  handler?: (ctx: RouteContext) => Reply;
}

export interface ResourceSpec {
  /** File name under /ari/api-docs/ and the ari-client property (client.channels...). */
  name: string;
  description: string;
  routes: RouteSpec[];
  models: Record<string, ModelSpec>;
}

export interface ModelProperty {
  type: string;
  required?: boolean;
  description?: string;
  allowableValues?: string[];
}

export interface ModelSpec {
  description?: string;
  properties: Record<string, ModelProperty>;
  subTypes?: string[];
  discriminator?: string;
}

/** Request parameters: path, query string, form and JSON body merged (body last, as Asterisk does). */
export class Params {
  constructor(private readonly values: Map<string, unknown>) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  str(name: string): string | undefined {
    const v = this.values.get(name);
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) return v.map(String).join(',');
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }

  required(name: string): string {
    const v = this.str(name);
    if (v === undefined || v === '') throw AriError.badRequest(`${name} is required`);
    return v;
  }

  /** allowMultiple parameters: comma-separated text or a JSON array. */
  list(name: string): string[] {
    const v = this.values.get(name);
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v.map(String).filter((s) => s !== '');
    return String(v)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }

  int(name: string): number | undefined {
    const v = this.str(name);
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw AriError.badRequest(`${name} must be an integer`);
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    return v === 'true' || v === '1' || v === 'yes';
  }
}

export const ok = (body: unknown): Reply => ({ status: 200, body });
export const noContent: Reply = { status: 204 };
