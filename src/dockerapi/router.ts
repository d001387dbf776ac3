import FindMyWay from 'find-my-way';
import type { Handler } from './context.js';

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

/**
 * Routes unversioned paths (the server strips `/vX.Y` first, so every route answers with
 * and without the prefix). Each API area registers its operations through `on`.
 */
export class ApiRouter {
  private readonly fmw = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: 1024 });

  on(method: Method | Method[], path: string, handler: Handler): this {
    this.fmw.on(method, path, () => undefined, handler);
    return this;
  }

  find(method: string, path: string): { handler: Handler; params: Record<string, string> } | undefined {
    const found = this.fmw.find(method as Method, path);
    if (!found) return undefined;
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(found.params)) if (v !== undefined) params[k] = v;
    return { handler: found.store as Handler, params };
  }
}
