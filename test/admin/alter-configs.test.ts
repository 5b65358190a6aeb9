import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type EmbeddedBroker } from '../../src/index.js';

const { Kafka, ConfigResourceTypes, logLevel } = kafkajs;

describe('AlterConfigs (legacy, as kafkajs admin.alterConfigs sends it)', () => {
  let broker: EmbeddedBroker;
  let admin: kafkajs.Admin;

  beforeAll(async () => {
    broker = await startBroker({ logger: 'silent' });
    admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.disconnect();
    await broker.close();
  });

  async function retentionConfigs(topic: string): Promise<Record<string, string>> {
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
    return Object.fromEntries(
      described.resources[0]!.configEntries.filter((e) => e.configName.startsWith('retention.')).map((e) => [e.configName, e.configValue]),
    );
  }

  it('replaces the whole config set of a topic, durably', async () => {
    await admin.createTopics({ topics: [{ topic: 'alter-me', configEntries: [{ name: 'retention.bytes', value: '1000' }] }] });
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'alter-me', configEntries: [{ name: 'retention.ms', value: '5000' }] }],
    });
    expect(await retentionConfigs('alter-me')).toEqual({ 'retention.bytes': '-1', 'retention.ms': '5000' });
    expect(broker.broker.log.topic('alter-me')!.configs).toEqual(new Map([['retention.ms', '5000']]));
  });

  it('validates without applying, and rejects unknown configs', async () => {
    await admin.createTopics({ topics: [{ topic: 'keep-me', configEntries: [{ name: 'retention.ms', value: '100' }] }] });
    await admin.alterConfigs({
      validateOnly: true,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'keep-me', configEntries: [{ name: 'retention.ms', value: '200' }] }],
    });
    expect(broker.broker.log.topic('keep-me')!.configs.get('retention.ms')).toBe('100');
    await expect(
      admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: 'keep-me', configEntries: [{ name: 'no.such.config', value: '1' }] }],
      }),
    ).rejects.toThrow();
    expect(broker.broker.log.topic('keep-me')!.configs.get('retention.ms')).toBe('100');
  });
});
