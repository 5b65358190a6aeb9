/**
 * kafkajs admin.alterConfigs (AlterConfigs, API key 33: the whole config set of a resource is
 * replaced) on a topic: the new values show in describeConfigs and survive a broker restart;
 * a config left out of a later call returns to its default; validateOnly changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { kafkaClient, startBroker, type Broker } from '../harness.js';

describe('kafkajs admin.alterConfigs against sluice', () => {
  let broker: Broker;
  let admin: Admin;

  beforeAll(async () => {
    broker = await startBroker();
    admin = kafkaClient(broker.bootstrap, 'compat-alter-configs').admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
    await broker?.stop();
  });

  it('describeConfigs and alterConfigs for a topic; the change survives a restart', async () => {
    const topic = 'adm-configs';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '86400000' }] }], waitForLeaders: true });
    const describe = async (): Promise<Map<string, string>> => {
      const res = await admin.describeConfigs({
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'retention.bytes', 'cleanup.policy', 'max.message.bytes'] }],
        includeSynonyms: false,
      });
      expect(res.resources[0]!.errorCode).toBe(0);
      return new Map(res.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
    };
    const before = await describe();
    expect(before.get('retention.ms')).toBe('86400000');
    expect(before.get('cleanup.policy')).toBe('delete');
    expect(before.has('retention.bytes')).toBe(true);
    expect(before.has('max.message.bytes')).toBe(true);

    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '3600000' }, { name: 'retention.bytes', value: '1048576' }] }],
    });
    let after = await describe();
    expect(after.get('retention.ms')).toBe('3600000');
    expect(after.get('retention.bytes')).toBe('1048576');

    await admin.disconnect();
    await broker.restart();
    admin = kafkaClient(broker.bootstrap, 'compat-alter-configs').admin();
    await admin.connect();
    after = await describe();
    expect(after.get('retention.ms')).toBe('3600000');
    expect(after.get('retention.bytes')).toBe('1048576');

    // Legacy AlterConfigs replaces the whole set: a config left out returns to its default.
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '7200000' }] }],
    });
    after = await describe();
    expect(after.get('retention.ms')).toBe('7200000');
    expect(after.get('retention.bytes')).toBe('-1');

    // validateOnly changes nothing.
    await admin.alterConfigs({
      validateOnly: true,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '60000' }] }],
    });
    expect((await describe()).get('retention.ms')).toBe('7200000');
  });
});
