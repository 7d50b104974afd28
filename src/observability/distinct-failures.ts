/**
 * Reports a failure once per distinct message, not on every request or retry while something stays down (Redis, a
 * store); `reset()` after a success lets the same failure be reported again the next time it starts.
 */
export function distinctFailures(report: (err: Error) => void): { report(err: Error): void; reset(): void } {
  let last: string | undefined;
  return {
    report(err) {
      if (err.message === last) return;
      last = err.message;
      report(err);
    },
    reset() {
      last = undefined;
    },
  };
}
