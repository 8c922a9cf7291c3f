/** An ARI error answer: HTTP status plus the JSON body Asterisk sends for it. */
export class AriError extends Error {
  override name = 'AriError';
  constructor(
    readonly status: number,
    readonly body: Record<string, string>,
  ) {
    super(body.message ?? body.error ?? `HTTP ${status}`);
  }

  static notFound(what: string): AriError {
    return new AriError(404, { message: `${what} not found` });
  }

  static badRequest(message: string): AriError {
    return new AriError(400, { message });
  }

  static conflict(message: string): AriError {
    return new AriError(409, { message });
  }

  static unprocessable(message: string): AriError {
    return new AriError(422, { message });
  }
}
