/**
 * The pure parts of the Redis connection (contract section 10): which errors mean a demoted
 * primary, which replicas count as confirming for `/ready`, and the options read from the config.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { confirmingReplicasIn, isDemotedPrimaryError, MAX_CONFIRMING_LAG_SECONDS, redisConnectionOptions } from '../../src/service/redisConnection.js';

describe('isDemotedPrimaryError', () => {
  it.each([
    ["READONLY You can't write against a read only replica.", true],
    ['UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)', true],
    // Answers for the caller, not a demotion: an interrupt with ERROR, a deleted stream.
    ['UNBLOCKED client unblocked via CLIENT UNBLOCK', false],
    ['UNBLOCKED the stream key no longer exists', false],
    ['NOGROUP No such key or consumer group', false],
    ['LOADING Redis is loading the dataset in memory', false],
    ['ERR something READONLY inside', false],
  ])('%s: %s', (message, demoted) => {
    expect(isDemotedPrimaryError(new Error(message))).toBe(demoted);
  });
});

describe('confirmingReplicasIn', () => {
  const info = (...replicas: string[]) =>
    [
      '# Replication',
      'role:master',
      `connected_slaves:${replicas.length}`,
      ...replicas.map((fields, index) => `slave${index}:${fields}`),
      'master_repl_offset:4242',
      '',
    ].join('\r\n');

  it('counts the online replicas whose last acknowledgement is at most the lag limit old', () => {
    expect(MAX_CONFIRMING_LAG_SECONDS).toBe(2);
    expect(
      confirmingReplicasIn(
        info(
          'ip=10.0.0.2,port=6379,state=online,offset=4242,lag=0',
          'ip=10.0.0.3,port=6379,state=online,offset=4200,lag=2',
          'ip=10.0.0.4,port=6379,state=online,offset=4000,lag=3',
          'ip=10.0.0.5,port=6379,state=wait_bgsave,offset=0,lag=0',
          'ip=10.0.0.6,port=6379,state=send_bulk,offset=0,lag=0',
        ),
      ),
    ).toBe(2);
  });

  it('takes another lag limit', () => {
    const text = info('ip=a,port=1,state=online,offset=1,lag=1', 'ip=b,port=2,state=online,offset=1,lag=5');
    expect(confirmingReplicasIn(text, 0)).toBe(0);
    expect(confirmingReplicasIn(text, 5)).toBe(2);
  });

  it('answers 0 for a primary without replicas, a replica, and text it does not know', () => {
    expect(confirmingReplicasIn(info())).toBe(0);
    expect(confirmingReplicasIn('# Replication\r\nrole:slave\r\nmaster_host:10.0.0.1\r\nconnected_slaves:0\r\n')).toBe(0);
    expect(confirmingReplicasIn('')).toBe(0);
    expect(confirmingReplicasIn('slave0:state=online,lag=soon\nslave1:state=online\n')).toBe(0);
  });

  it('reads LF line ends too', () => {
    expect(confirmingReplicasIn('role:master\nslave0:ip=a,port=1,state=online,offset=9,lag=0\n')).toBe(1);
  });
});

describe('redisConnectionOptions', () => {
  it('takes the URL, the Sentinels and the master name from the configuration', () => {
    const config = loadConfig(
      { REDIS_URL: 'redis://:pw@ignored:1/3', REDIS_SENTINELS: '10.0.0.1:26379,[::1]:26380', REDIS_SENTINEL_MASTER: 'orders' },
      { requireEngines: false },
    );
    expect(redisConnectionOptions(config)).toEqual({
      url: 'redis://:pw@ignored:1/3',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      sentinelMaster: 'orders',
    });
    expect(redisConnectionOptions(loadConfig({}, { requireEngines: false })).sentinels).toEqual([]);
  });
});
