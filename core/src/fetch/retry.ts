// Retry policy: what is worth retrying, how long to wait (exponential back-off with jitter, Retry-After wins).

/** Statuses worth another attempt at the same URL. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

/** Network-level failures worth another attempt: resets, truncated bodies, timeouts. */
export function retryableError(e: unknown): boolean {
  const code = (e as { code?: string } | undefined)?.code ?? '';
  return (
    code.startsWith('UND_ERR_') && code !== 'UND_ERR_INVALID_ARG' && code !== 'UND_ERR_ABORTED' && code !== 'UND_ERR_DESTROYED' && code !== 'UND_ERR_CLOSED'
  ) ||
    ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE'].includes(code) ||
    code.startsWith('HPE_') ||
    (e as { retryable?: boolean } | undefined)?.retryable === true;
}

/**
 * Parse a Retry-After header (delta-seconds or an HTTP-date) into milliseconds from `now`; undefined when
 * absent or unparsable. A date in the past is 0.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now);
}

/**
 * Delay before retry number `attempt` (1 = first retry): base·2^(attempt-1), jittered to 50–150 %, capped;
 * a Retry-After from the server wins (capped too, so a hostile header cannot stall us for hours).
 */
export function backoffDelay(attempt: number, baseMs: number, retryAfterMs: number | undefined, capMs: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, capMs);
  const exp = baseMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(capMs, Math.round(exp * (0.5 + random())));
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** A URL safe to show: userinfo replaced, so credentials in a URL never reach a message or a log. */
export function redactUrl(url: string): string {
  if (!url.includes('@')) return url; // no userinfo without an '@': nothing to parse
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
      return u.toString();
    }
    return url;
  } catch {
    return url.replace(/\/\/[^/@\s]*@/, '//***@');
  }
}

/** Replace every URL-with-userinfo inside a free text (an error message from a library, say). */
export function redactText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@');
}
