// Where a broker's data directory keeps a topic's partition (topics/<id>/<partition>, the id's
// topic.json naming the topic): for tests that damage or inspect segment files after a stop.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function partitionDir(dataDir: string, topic: string, partition = 0): string {
  const root = join(dataDir, 'topics');
  for (const id of readdirSync(root)) {
    const meta = join(root, id, 'topic.json');
    if (existsSync(meta) && (JSON.parse(readFileSync(meta, 'utf8')) as { name: string }).name === topic) return join(root, id, String(partition));
  }
  throw new Error(`no directory for ${topic}`);
}
