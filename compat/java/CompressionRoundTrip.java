// Produces a fixed set of records with each compression codec through the Java client, reads
// them back with a Java consumer and checks every key, value, header and offset exactly.
//
//   java -cp <classes>:<kafka jars> CompressionRoundTrip BOOTSTRAP TOPIC_PREFIX IDEMPOTENCE CODEC...
//
// IDEMPOTENCE is "default" (the producer's own default, enable.idempotence=true) or
// "true"/"false". One topic per codec: TOPIC_PREFIX-CODEC (auto-created, one partition).
// Prints "codec=<c> records=<n> ok" per codec; exits 1 on the first mismatch, 2 on a failure.

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class CompressionRoundTrip {
    static final int RECORDS = 5000;

    /** Record i: a mix of null and non-null keys and values, sizes from 0 to ~20 KB, 0-2 headers. */
    static byte[] key(int i) {
        return i % 7 == 3 ? null : ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] value(int i) {
        if (i % 97 == 5) return null;
        int size = i % 500 == 0 ? 20_000 + i % 13 : (i * 31) % 300;
        byte[] v = new byte[size];
        // Compressible text with an index-dependent part, so a wrong record cannot compare equal.
        byte[] text = ("value " + i + " lorem ipsum dolor sit amet ").getBytes(StandardCharsets.UTF_8);
        for (int j = 0; j < size; j++) v[j] = j % 5 == 4 ? (byte) ((i * 7 + j) & 0xff) : text[j % text.length];
        return v;
    }

    static RecordHeaders headers(int i) {
        RecordHeaders h = new RecordHeaders();
        if (i % 3 >= 1) h.add("trace", ("t-" + i).getBytes(StandardCharsets.UTF_8));
        if (i % 3 == 2) h.add("empty", null);
        return h;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: CompressionRoundTrip BOOTSTRAP TOPIC_PREFIX default|true|false CODEC...");
            System.exit(2);
        }
        String bootstrap = args[0];
        String prefix = args[1];
        String idempotence = args[2];
        for (String codec : Arrays.copyOfRange(args, 3, args.length)) {
            String topic = prefix + "-" + codec;
            long[] offsets = produce(bootstrap, topic, codec, idempotence);
            String problem = consumeAndCheck(bootstrap, topic, offsets);
            if (problem != null) {
                System.out.println("codec=" + codec + " MISMATCH " + problem);
                System.exit(1);
            }
            System.out.println("codec=" + codec + " records=" + RECORDS + " ok");
        }
    }

    static long[] produce(String bootstrap, String topic, String codec, String idempotence) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        if (!idempotence.equals("default")) p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, idempotence);
        long[] offsets = new long[RECORDS];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>(RECORDS);
            for (int i = 0; i < RECORDS; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, 0, 1_700_000_000_000L + i, key(i), value(i), headers(i))));
            }
            producer.flush();
            for (int i = 0; i < RECORDS; i++) offsets[i] = sent.get(i).get().offset();
        }
        return offsets;
    }

    static String consumeAndCheck(String bootstrap, String topic, long[] offsets) {
        for (int i = 0; i < RECORDS; i++) {
            if (offsets[i] != i) return "record " + i + " was acknowledged at offset " + offsets[i];
        }
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1000");
        TopicPartition tp = new TopicPartition(topic, 0);
        List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>(RECORDS);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(Collections.singletonList(tp));
            consumer.seekToBeginning(Collections.singletonList(tp));
            long deadline = System.currentTimeMillis() + 30_000;
            while (got.size() < RECORDS && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) got.add(r);
            }
            // Nothing beyond the records produced.
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(300))) got.add(r);
        }
        if (got.size() != RECORDS) return "read " + got.size() + " records, expected " + RECORDS;
        for (int i = 0; i < RECORDS; i++) {
            ConsumerRecord<byte[], byte[]> r = got.get(i);
            if (r.offset() != i) return "record " + i + " read at offset " + r.offset();
            if (!Arrays.equals(r.key(), key(i))) return "record " + i + " key differs";
            if (!Arrays.equals(r.value(), value(i))) return "record " + i + " value differs";
            if (r.timestamp() != 1_700_000_000_000L + i) return "record " + i + " timestamp " + r.timestamp();
            Header[] want = headers(i).toArray();
            Header[] have = r.headers().toArray();
            if (want.length != have.length) return "record " + i + " has " + have.length + " headers, expected " + want.length;
            for (int h = 0; h < want.length; h++) {
                if (!want[h].key().equals(have[h].key()) || !Arrays.equals(want[h].value(), have[h].value())) {
                    return "record " + i + " header " + h + " differs";
                }
            }
        }
        return null;
    }
}
