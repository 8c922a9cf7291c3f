/**
 * The console's one way to the API: same origin, the session cookie, and the CSRF token on every
 * POST. Money stays the API's decimal strings end to end: it is never parsed into a number here.
 */
export interface ApiError {
  status: number;
  message: string;
}

let csrf: string | null = null;

export function setCsrf(token: string | null): void {
  csrf = token;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers of many shapes
export type Json = any;

export async function api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Json> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method === 'POST' && csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const text = await res.text();
  const json: Json = text ? JSON.parse(text) : null;
  if (!res.ok) throw { status: res.status, message: json?.error ?? res.statusText } as ApiError;
  return json;
}

export const errorText = (e: unknown): string =>
  typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : String(e);
