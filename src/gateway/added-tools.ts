import type { McpClientRef } from './tool-access-mode.ts';

/**
 * Tools a search added to an On demand list (`search_tools` with `add_to_list`), per person, organization and
 * client connection: a working set, not a setting. Kept in memory on the node that served the search, at most
 * `perList` tools per list (the oldest go first) and `maxLists` lists; a restart forgets them. A person who wants a
 * tool in every list pins it instead (docs/tool-access.md).
 */
export class AddedTools {
  readonly #lists = new Map<string, string[]>();
  readonly #perList: number;
  readonly #maxLists: number;

  constructor(options: { perList?: number; maxLists?: number } = {}) {
    this.#perList = options.perList ?? 30;
    this.#maxLists = options.maxLists ?? 10_000;
  }

  /** Client-facing tool names added for this client connection, oldest first. */
  of(userId: string, orgId: string | undefined, client: McpClientRef | undefined): readonly string[] {
    return this.#lists.get(key(userId, orgId, client)) ?? [];
  }

  /** Adds names; returns those that were not in the list yet. */
  add(userId: string, orgId: string | undefined, client: McpClientRef | undefined, names: string[]): string[] {
    const k = key(userId, orgId, client);
    const list = this.#lists.get(k) ?? [];
    const fresh = names.filter((n) => !list.includes(n));
    if (fresh.length === 0) return [];
    const next = [...list, ...fresh].slice(-this.#perList);
    this.#lists.delete(k);
    if (this.#lists.size >= this.#maxLists) this.#lists.delete(this.#lists.keys().next().value!);
    this.#lists.set(k, next);
    return fresh;
  }
}

const key = (userId: string, orgId: string | undefined, client: McpClientRef | undefined) => `${userId}\n${orgId ?? ''}\n${client ? `${client.kind}:${client.id}` : ''}`;
