// Which Kafka topic a stream of a NATS account is, and which account a stream topic belongs to
// (docs/jetstream.md 1.1, README "One data plane"). Streams of the global account ($G) keep
// today's contract: stream S is topic S. A stream S of account A is topic `A.S`, with the topic
// config `wharf.nats.account=A` saying so: stream names never hold a dot, so the prefix cannot
// be mistaken for part of a name and two accounts never share a topic. A topic created over Kafka
// with `wharf.nats.subjects` belongs to the account its `wharf.nats.account` names (default the
// global account), and must then be named `<account>.<stream>`.
import { GLOBAL_ACCOUNT } from '../security/principal.js';

/** The topic config naming the account of a stream topic (absent: the global account). */
export const ACCOUNT_CONFIG = 'wharf.nats.account';

/** Account names that can prefix a Kafka topic name (Kafka allows [a-zA-Z0-9._-]; the dot is the separator). */
const ACCOUNT_PREFIX_RE = /^[a-zA-Z0-9_-]+$/;

/** Whether an account's streams can be named as Kafka topics (an account with JetStream must be). */
export function isTopicAccountName(account: string): boolean {
  return account === GLOBAL_ACCOUNT || (ACCOUNT_PREFIX_RE.test(account) && account.length <= 200);
}

/** The account a topic's configs name (the global account when they name none). */
export function accountOfTopic(configs: Readonly<Record<string, string>>): string {
  const a = configs[ACCOUNT_CONFIG];
  return a === undefined || a === '' ? GLOBAL_ACCOUNT : a;
}

/** The topic of stream `stream` in `account`. */
export function topicOfStream(account: string, stream: string): string {
  return account === GLOBAL_ACCOUNT ? stream : `${account}.${stream}`;
}

/** The stream name of a topic of `account`, or null when the topic is not named as that account's streams are. */
export function streamOfTopic(account: string, topic: string): string | null {
  if (account === GLOBAL_ACCOUNT) return topic;
  const prefix = `${account}.`;
  return topic.startsWith(prefix) && topic.length > prefix.length ? topic.slice(prefix.length) : null;
}

/** The configs that say a topic belongs to `account` (none for the global account). */
export function accountConfigs(account: string): Record<string, string> {
  return account === GLOBAL_ACCOUNT ? {} : { [ACCOUNT_CONFIG]: account };
}
