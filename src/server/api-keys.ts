// API keys: kept only as SHA-256 hashes, compared in constant time against every known key (no early exit), so
// neither the keys at rest nor the time a check takes give a key away.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

const HASH_LINE = /^(?:sha256:)?([0-9a-f]{64})$/i;

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export class ApiKeys {
  private readonly hashes: Buffer[];

  /** `hashes`: hex SHA-256 digests of the accepted keys. */
  constructor(hashes: readonly string[]) {
    this.hashes = [...new Set(hashes.map((h) => h.toLowerCase()))].map((h) => Buffer.from(h, 'hex'));
  }

  static fromKeys(keys: readonly string[], hashes: readonly string[] = []): ApiKeys {
    return new ApiKeys([...keys.map(hashKey), ...hashes]);
  }

  get size(): number {
    return this.hashes.length;
  }

  /** A short id of the key presented (for logs and rate limits), or null when it is not a known key. */
  check(presented: string): string | null {
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let found = false;
    for (const h of this.hashes) found = timingSafeEqual(digest, h) || found;
    return found ? digest.toString('hex').slice(0, 12) : null;
  }
}

/** A file of hashed keys: one `sha256:<hex>` (or bare hex) per line; blank lines and `#` comments are skipped. */
export function readKeyFile(path: string): string[] {
  const hashes: string[] = [];
  readFileSync(path, 'utf8').split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const m = HASH_LINE.exec(line);
    if (!m) throw new Error(`${path}:${i + 1}: expected sha256:<64 hex digits> (make one with 'modelport hash-key')`);
    hashes.push(m[1]);
  });
  if (hashes.length === 0) throw new Error(`${path}: no keys`);
  return hashes;
}
