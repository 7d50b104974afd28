import { readJsonFile, writeJsonFile } from './json-file.ts';

/**
 * A service's data: seeded in code, mutated in memory, and written to `file` after every change when the
 * service runs with a data folder (so a restart keeps what people created and deleted).
 */
export class ServiceState<Data> {
  readonly #file: string | undefined;
  #data: Data;

  constructor(seed: () => Data, file: string | undefined) {
    this.#file = file;
    const stored = file ? readJsonFile(file) : undefined;
    // The file holds what this class wrote; a hand-edited file that breaks the shape is the editor's to fix.
    this.#data = stored === undefined ? seed() : (stored as Data);
    if (file && stored === undefined) writeJsonFile(file, this.#data);
  }

  get data(): Data {
    return this.#data;
  }

  /** Applies a change and persists it. */
  update<T>(change: (data: Data) => T): T {
    const result = change(this.#data);
    if (this.#file) writeJsonFile(this.#file, this.#data);
    return result;
  }
}
