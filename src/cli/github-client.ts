import { oneLine } from './args';

/**
 * A small GitHub REST client for the command-line tools that open pull requests (`promote`,
 * `upgrade`): the API's media type and version, a 30 s timeout, a read sent again when a kept-alive
 * connection was closed meanwhile (never a write), and every failure one line through `fail`,
 * with `permissions` said on a 401 or 403.
 */
export function githubApi(apiUrl: string, token: string, fail: (message: string) => Error, permissions: string) {
  const root = apiUrl.replace(/\/+$/, '');
  return async (method: string, route: string, body?: object): Promise<any> => {
    const send = () => fetch(`${root}${route}`, {
      method,
      headers: {
        'accept': 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'projen-gitops',
        'authorization': `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
    const unreachable = (error: Error) => fail(`cannot reach ${root} (${error.message}${(error.cause as any)?.code ? `: ${(error.cause as any).code}` : ''}); check GITHUB_API_URL`);
    const response = await send().catch((error: Error) => {
      if (method !== 'GET' || !/^(UND_ERR_SOCKET|ECONNRESET|EPIPE)$/.test(String((error.cause as any)?.code))) throw unreachable(error);
      return send().catch((again: Error) => {
        throw unreachable(again);
      });
    });
    const text = await response.text();
    if (!response.ok) {
      const hint = response.status === 403 || response.status === 401 ? `; ${permissions}` : '';
      throw fail(`${method} ${route.split('?')[0]} answered ${response.status} (${oneLine(text, 300)})${hint}`);
    }
    try {
      return text ? JSON.parse(text) : undefined;
    } catch {
      throw fail(`${method} ${route.split('?')[0]} answered ${response.status} with no JSON (${JSON.stringify(oneLine(text, 100))}); check GITHUB_API_URL`);
    }
  };
}
