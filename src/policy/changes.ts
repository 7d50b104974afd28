/**
 * Change notices: every policy write publishes one, so the gateway can tell the affected MCP sessions
 * `notifications/tools/list_changed` at once. Decisions themselves never depend on a notice arriving
 * (the gateway decides from the database on each request); the notice only makes clients re-list.
 *
 * The interface stays tiny on purpose: a Redis implementation (many nodes) replaces the in-process one.
 */
export interface PolicyChange {
  /**
   * `enablement`: a connector was added to or removed from an organization. `policy`: rules or a person's
   * switch. `connection`: a person connected, lost or removed their account at a connector.
   */
  kind: 'policy' | 'enablement' | 'connection';
  /** The organization whose members are affected; null for a person's own rules, which follow them into every organization. */
  orgId: string | null;
  /** The connector's slug. */
  connector: string;
  /** Set when only this person is affected (their own rules or off switch). */
  userId?: string;
}

export type PolicyChangeListener = (change: PolicyChange) => void;

export interface PolicyChangeBus {
  /** Delivers to every subscriber (on every node, for a shared bus). Never rejects for a subscriber's failure. */
  publish(change: PolicyChange): Promise<void>;
  /** Returns the function that unsubscribes. */
  subscribe(listener: PolicyChangeListener): () => void;
}

/** One process: delivers synchronously, in subscription order; a listener that throws does not stop the others. */
export class InProcessPolicyChangeBus implements PolicyChangeBus {
  readonly #listeners = new Set<PolicyChangeListener>();
  readonly #onError: (err: unknown, change: PolicyChange) => void;

  constructor(options: { onError?: (err: unknown, change: PolicyChange) => void } = {}) {
    this.#onError = options.onError ?? ((err) => process.emitWarning(`A policy change listener failed: ${err instanceof Error ? err.message : String(err)}`));
  }

  async publish(change: PolicyChange): Promise<void> {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch (err) {
        this.#onError(err, change);
      }
    }
  }

  subscribe(listener: PolicyChangeListener): () => void {
    // A wrapper per subscription, so the same function subscribed twice is unsubscribed one at a time.
    const entry: PolicyChangeListener = (change) => listener(change);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }
}
