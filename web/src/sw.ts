/**
 * The service worker. The site writes it to `/sw.js` with `SHELL_VERSION` and
 * `SHELL_FILES` (the player's scripts and styles) put in front, so its scope
 * is the whole site. Shell files come from the cache; pages from the network,
 * with the last copy kept for when there is none; episodes saved for offline
 * (see `offline.ts`) come from their cache, byte ranges included, because the
 * audio element asks for ranges.
 */

declare const SHELL_VERSION: string;
declare const SHELL_FILES: readonly string[];

interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface WorkerScope {
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
  skipWaiting(): Promise<void>;
  readonly clients: { claim(): Promise<void> };
  readonly location: Location;
}

const worker = self as unknown as WorkerScope;
const SHELL_CACHE = `atl-shell-${SHELL_VERSION}`;
const PAGES_CACHE = 'atl-pages';
const OFFLINE_CACHE = 'atl-offline';

worker.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll([...SHELL_FILES]))
      .then(() => worker.skipWaiting()),
  );
});

worker.addEventListener('activate', (event) => {
  const old = (name: string) => name.startsWith('atl-shell-') && name !== SHELL_CACHE;
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter(old).map((name) => caches.delete(name))))
      .then(() => worker.clients.claim()),
  );
});

/** A 206 answer for `range` from a whole cached answer. */
async function partial(whole: Response, range: string): Promise<Response> {
  const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  const body = await whole.arrayBuffer();
  const size = body.byteLength;
  let start = match?.[1] ? Number(match[1]) : size - Number(match?.[2] ?? size);
  let end = match?.[1] && match[2] ? Number(match[2]) : size - 1;
  start = Math.max(0, start);
  end = Math.min(size - 1, end);
  if (match === null || start > end) return new Response(null, { status: 416, headers: { 'content-range': `bytes */${size}` } });
  const headers = new Headers(whole.headers);
  headers.set('content-range', `bytes ${start}-${end}/${size}`);
  headers.set('content-length', String(end - start + 1));
  headers.set('accept-ranges', 'bytes');
  return new Response(body.slice(start, end + 1), { status: 206, statusText: 'Partial Content', headers });
}

async function fromSaved(request: Request): Promise<Response | undefined> {
  const saved = await (await caches.open(OFFLINE_CACHE)).match(request.url, { ignoreVary: true });
  if (saved === undefined) return undefined;
  const range = request.headers.get('range');
  return range === null ? saved : partial(saved, range);
}

async function page(request: Request): Promise<Response> {
  const pages = await caches.open(PAGES_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await pages.put(request.url, response.clone());
    return response;
  } catch (error) {
    const copy = (await pages.match(request.url)) ?? (await caches.open(OFFLINE_CACHE).then((c) => c.match(request.url))) ?? (await pages.match('/'));
    if (copy === undefined) throw error;
    return copy;
  }
}

worker.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== worker.location.origin) return;
  if (request.mode === 'navigate') return event.respondWith(page(request));
  if (SHELL_FILES.includes(url.pathname)) {
    return event.respondWith(caches.match(request.url).then((hit) => hit ?? fetch(request)));
  }
  // Saved episodes: from the cache; anything else goes to the network untouched.
  if (url.pathname.startsWith('/api/')) {
    event.respondWith(fromSaved(request).then((hit) => hit ?? fetch(request)));
  }
});
