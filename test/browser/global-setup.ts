import { buildWebIfStale } from '../../scripts/build-web.ts';

/** The browser tests need the built web app: build it once, before any test file starts a server (and only when stale). */
export default async function setup(): Promise<void> {
  await buildWebIfStale({ quiet: true });
}
