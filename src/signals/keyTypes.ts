/**
 * Start-up check that the configured keys hold the Redis type the queue writes. A MULTI does not
 * roll back: were the dead-letter key a list (say, left by the old middleware), XADD would fail
 * inside `settle` while the acknowledgement in the same MULTI still ran, losing the outcome. So the
 * mistake is refused at start, with a message naming the key.
 */
import type { Redis } from 'ioredis';

/** A key the queue uses and the type it must have when it exists. */
export interface ExpectedKeyType {
  readonly key: string;
  readonly type: 'stream' | 'list';
  /** What the key is for, as an operator knows it (e.g. "the dead-letter stream DEAD_LETTER_QUEUE"). */
  readonly role: string;
}

/** Rejects, naming every offending key, when an existing key has another type than expected. */
export async function checkKeyTypes(redis: Redis, expected: readonly ExpectedKeyType[]): Promise<void> {
  let actual: string[];
  try {
    actual = await Promise.all(expected.map(({ key }) => redis.type(key)));
  } catch (error) {
    throw new Error('Could not check the types of the signal queue keys in Redis', { cause: error });
  }
  const problems = expected
    .map(({ key, type, role }, index) => ({ key, type, role, found: actual[index] }))
    .filter(({ type, found }) => found !== 'none' && found !== type)
    .map(({ key, type, role, found }) => `"${key}" is a ${found}, but ${role} must be a ${type}`);
  if (problems.length > 0) {
    throw new Error(`Redis keys have the wrong type: ${problems.join('; ')}. Rename or remove them, or configure other names.`);
  }
}
