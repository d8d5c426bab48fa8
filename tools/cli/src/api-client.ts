import { CliError } from './errors';

/** Which service a client talks to, and how to fix its key or address. */
export interface ApiTarget {
  name: 'console' | 'registry';
  baseUrl: string;
  key: string;
  /** Variable and flag that set the key, named in the message of a 401. */
  keyVariable: string;
  keyFlag: string;
  urlVariable: string;
}

function serverMessage(body: unknown): string {
  if (body && typeof body === 'object' && 'message' in body) {
    const { message } = body as { message: unknown };
    return Array.isArray(message) ? message.join('; ') : String(message);
  }
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** Calls one service's HTTP API with its key; every refusal becomes a {@link CliError} naming URL, status and what to do. */
export class ApiClient {
  constructor(private readonly target: ApiTarget) {}

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await this.send(path, {
      method,
      headers: { 'content-type': 'application/json', 'x-api-key': this.target.key },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: the text is the answer.
    }
    if (!res.ok) throw this.refusal(res.status, parsed);
    return parsed as T;
  }

  /**
   * Opens a server-sent event stream, calls `onOpen` once the server accepted it and hands each event's data,
   * parsed, to `onEvent` until it returns false or the stream ends.
   */
  async stream(path: string, onEvent: (data: unknown) => boolean | void, signal?: AbortSignal, onOpen?: () => void): Promise<void> {
    const res = await this.send(path, { headers: { 'x-api-key': this.target.key, accept: 'text/event-stream' }, signal });
    if (!res.ok || !res.body) throw this.refusal(res.status, await res.text());
    onOpen?.();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, ''))
          .join('\n');
        if (data && onEvent(JSON.parse(data)) === false) {
          await reader.cancel();
          return;
        }
      }
    }
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    const url = `${this.target.baseUrl}${path}`;
    try {
      return await fetch(url, init);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new CliError(
        `${this.target.name} at ${this.target.baseUrl} is unreachable (${why}) — is it running (npm start)? Set ${this.target.urlVariable} if it runs elsewhere`,
        1,
        undefined,
        { cause: err },
      );
    }
  }

  private refusal(status: number, body: unknown): CliError {
    const { name, baseUrl, keyVariable, keyFlag } = this.target;
    const hint =
      status === 401
        ? ` — set ${keyVariable} (or ${keyFlag}) to a valid key`
        : status === 403
          ? ` — use a key with that role (${keyVariable} or ${keyFlag})`
          : '';
    return new CliError(`${name} at ${baseUrl} answered ${status}: ${serverMessage(body)}${hint}`, 1, undefined, { status });
  }
}
