import { stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import inert from '@hapi/inert';
import Boom from '@hapi/boom';
import type { Lifecycle, Request, ResponseObject, ResponseToolkit, Server } from '@hapi/hapi';
import { UnavailableError } from '../../domain/errors';

export interface ConsoleOptions {
  /** The console's build output (`console/dist`): index.html and the hashed files under assets/. */
  distDir: string;
}

/** Where the console build lives: next to the service package in the repository, wherever the process was started. */
export function defaultConsoleDir(): string {
  try {
    return join(dirname(require.resolve('@keysmith/console/package.json')), 'dist');
  } catch {
    // Compiled to service/dist/src/http/routes/: five levels up is the repository.
    return resolve(__dirname, '../../../../../console/dist');
  }
}

/** The console's pages call only this origin, run no inline script and are never framed. */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Vite names every file under assets/ by its content hash: a changed file is a new URL, so these never go stale. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

/**
 * The web console at /console/: the files of its build, and index.html for every other path below it so
 * the console's own routes (`/console/keys/key_…`) load on a reload or a shared link. No directory is
 * listed and nothing outside the build directory is served. Without a build the console answers 503
 * saying how to make one.
 */
export async function registerConsoleRoutes(server: Server, options: ConsoleOptions): Promise<void> {
  const root = resolve(options.distDir);
  const index = join(root, 'index.html');
  await server.register(inert);

  const serveIndex = async (h: ResponseToolkit): Promise<ResponseObject> => {
    if (!(await isFile(index))) {
      throw new UnavailableError('the console is not built: run `npm run build` at the repository root, then reload');
    }
    return h.file(index, { confine: false }).header('cache-control', 'no-store');
  };

  const secure: Lifecycle.Method = (request: Request, h) => {
    const response = request.response;
    const headers = Boom.isBoom(response) ? response.output.headers : (response as ResponseObject).headers;
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) headers[name] = value;
    return h.continue;
  };
  const routeOptions = { auth: false as const, ext: { onPreResponse: { method: secure } } };

  server.route([
    {
      method: 'GET',
      path: '/console',
      options: { ...routeOptions, description: 'The web console (redirects to /console/).' },
      // The router strips a trailing slash, so /console/ arrives here too: only the bare path is redirected.
      handler: async (request, h) => {
        const raw = request.raw.req.url ?? '';
        if (raw.split('?')[0]!.endsWith('/')) return serveIndex(h);
        const query = request.url.search;
        return h.redirect(`/console/${query}`).code(302);
      },
    },
    {
      method: 'GET',
      path: '/console/{path*}',
      options: { ...routeOptions, description: 'The web console: its files, and index.html for its own routes.' },
      handler: async (request, h) => {
        const relative = (request.params.path as string | undefined) ?? '';
        const target = resolve(root, relative);
        if (target !== root && !target.startsWith(root + sep)) throw Boom.notFound();
        if (target !== index && (await isFile(target))) {
          const inAssets = target.startsWith(join(root, 'assets') + sep);
          return h.file(target, { confine: root }).header('cache-control', inAssets ? IMMUTABLE : 'no-cache');
        }
        // A missing hashed file is a stale page asking for an old build: a 404, not a page of HTML.
        if (relative.startsWith('assets/')) throw Boom.notFound();
        return serveIndex(h);
      },
    },
  ]);
}
