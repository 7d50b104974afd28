import { randomBytes } from 'node:crypto';
import { readJsonFile, writeJsonFile } from '../json-file.ts';
import type { OidcAdapter, OidcPayload } from './oidc-types.ts';

interface Entry {
  payload: OidcPayload;
  /** Epoch milliseconds after which the entry is dropped; absent for entries that never expire. */
  expiresAt?: number;
}

interface Snapshot {
  version: 1;
  cookieKeys: string[];
  signingKey: Record<string, unknown> | undefined;
  models: Record<string, Record<string, Entry>>;
}

/**
 * Keeps entries this long past their expiry, so an expired access token is still recognised and answered with
 * "expired" rather than "unknown" (oidc-provider checks `exp` itself).
 */
const GRACE_MS = 5 * 60_000;

const epochSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Everything one authorization server stores (clients, grants, sessions, interactions, codes and tokens), in
 * memory and, with a data folder, in one JSON file rewritten after each change. It is also what the test hooks
 * act on: oidc-provider's own adapters cannot list a person's grants.
 */
export class OAuthStore {
  readonly #file: string | undefined;
  readonly #snapshot: Snapshot;

  constructor(file: string | undefined) {
    this.#file = file;
    const stored = file ? (readJsonFile(file) as Snapshot | undefined) : undefined;
    this.#snapshot = stored?.version === 1 ? stored : { version: 1, cookieKeys: [randomBytes(32).toString('base64url')], signingKey: undefined, models: {} };
    this.#persist();
  }

  get cookieKeys(): string[] {
    return this.#snapshot.cookieKeys;
  }

  /** The ID-token signing key, created once by `create` and kept with the rest of the state. */
  signingKey(create: () => Record<string, unknown>): Record<string, unknown> {
    if (!this.#snapshot.signingKey) {
      this.#snapshot.signingKey = create();
      this.#persist();
    }
    return this.#snapshot.signingKey;
  }

  adapterFor(model: string): OidcAdapter {
    return {
      upsert: async (id, payload, expiresIn) => {
        this.#entries(model)[id] = { payload: structuredClone(payload), ...(typeof expiresIn === 'number' ? { expiresAt: Date.now() + expiresIn * 1000 + GRACE_MS } : {}) };
        this.#persist();
      },
      find: async (id) => this.#find(model, id),
      findByUid: async (uid) => this.#findWhere(model, (p) => p.uid === uid),
      findByUserCode: async (userCode) => this.#findWhere(model, (p) => p.userCode === userCode),
      consume: async (id) => {
        const entry = this.#entries(model)[id];
        if (entry) {
          entry.payload.consumed = epochSeconds();
          this.#persist();
        }
      },
      destroy: async (id) => {
        delete this.#entries(model)[id];
        this.#persist();
      },
      revokeByGrantId: async (grantId) => {
        this.#removeWhere(model, (p) => p.grantId === grantId);
        this.#persist();
      },
    };
  }

  /** The ids of the grants `accountId` gave to any client. */
  grantIdsOf(accountId: string): string[] {
    return Object.entries(this.#entries('Grant'))
      .filter(([, entry]) => entry.payload.accountId === accountId)
      .map(([id]) => id);
  }

  /** Removes the grants and every code and token issued under them. */
  revokeGrants(grantIds: string[]): void {
    const revoked = new Set(grantIds);
    for (const model of Object.keys(this.#snapshot.models)) {
      if (model === 'Grant') for (const id of grantIds) delete this.#entries(model)[id];
      else this.#removeWhere(model, (p) => typeof p.grantId === 'string' && revoked.has(p.grantId));
    }
    this.#persist();
  }

  /** Moves the expiry of matching access tokens into the past; returns how many there were. */
  expireAccessTokens(accountId: string | undefined): number {
    let count = 0;
    for (const entry of Object.values(this.#entries('AccessToken'))) {
      if (accountId !== undefined && entry.payload.accountId !== accountId) continue;
      entry.payload.exp = epochSeconds() - 1;
      count++;
    }
    this.#persist();
    return count;
  }

  #entries(model: string): Record<string, Entry> {
    this.#snapshot.models[model] ??= {};
    return this.#snapshot.models[model];
  }

  #find(model: string, id: string): OidcPayload | undefined {
    const entry = this.#entries(model)[id];
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      delete this.#entries(model)[id];
      return undefined;
    }
    return structuredClone(entry.payload);
  }

  #findWhere(model: string, match: (payload: OidcPayload) => boolean): OidcPayload | undefined {
    const found = Object.entries(this.#entries(model)).find(([, entry]) => match(entry.payload));
    return found ? this.#find(model, found[0]) : undefined;
  }

  #removeWhere(model: string, match: (payload: OidcPayload) => boolean): void {
    const entries = this.#entries(model);
    for (const [id, entry] of Object.entries(entries)) if (match(entry.payload)) delete entries[id];
  }

  /** Drops expired entries (so a long-running service does not grow) and writes the file, if there is one. */
  #persist(): void {
    const now = Date.now();
    for (const entries of Object.values(this.#snapshot.models)) {
      for (const [id, entry] of Object.entries(entries)) if (entry.expiresAt !== undefined && entry.expiresAt <= now) delete entries[id];
    }
    if (this.#file) writeJsonFile(this.#file, this.#snapshot);
  }
}
