import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';

const listenOwner = new AsyncLocalStorage<string>();

/** Runs a 2026 request so that a `subscriptions/listen` stream it opens belongs to this person. */
export function asPerson<T>(userId: string, fn: () => Promise<T>): Promise<T> {
  return listenOwner.run(userId, fn);
}

/**
 * The change-event bus behind 2026 `subscriptions/listen` streams, with delivery per person: one
 * aggregated server serves everyone, and a resource update in one person's connector must not reach
 * another person who happens to watch the same URI. A stream is owned by whoever opened it (the SDK
 * subscribes inside the request, where `asPerson` set the owner).
 */
export class PersonEventBus implements ServerEventBus {
  readonly #listeners = new Map<(event: ServerEvent) => void, string | undefined>();

  /** To every open stream (changes that concern everyone, e.g. an organization's policy). */
  publish(event: ServerEvent): void {
    for (const listener of [...this.#listeners.keys()]) this.#deliver(listener, event);
  }

  publishTo(userId: string, event: ServerEvent): void {
    for (const [listener, owner] of [...this.#listeners]) if (owner === userId) this.#deliver(listener, event);
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    this.#listeners.set(listener, listenOwner.getStore());
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #deliver(listener: (event: ServerEvent) => void, event: ServerEvent): void {
    try {
      listener(event);
    } catch {
      // one broken stream must not stop the others
    }
  }
}
