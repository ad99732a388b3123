// GlobalKTable: a table filled from every partition of its topic on every instance (not
// partitioned among tasks), for lookups by any key (KStream.join with a key selector).
import type { Serde } from '../serdes.js';

export class GlobalKTable<K, V> {
  /** @internal */
  constructor(
    readonly storeName: string,
    readonly keySerde: Serde<K> | undefined,
    readonly valueSerde: Serde<V> | undefined,
  ) {}

  queryableStoreName(): string {
    return this.storeName;
  }
}
