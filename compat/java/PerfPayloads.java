// The values kafka-producer-perf-test (org.apache.kafka.tools.ProducerPerformance, 3.9 and 4.1)
// sends without --payload-file: each record is --record-size bytes drawn from
// new SplittableRandom(0) as nextInt(26) + 65 (A-Z), a fresh draw per record. Prints the
// SHA-256 of every value followed by '\n', in send order, and the first value.
//
//   java -cp <classes> PerfPayloads NUM_RECORDS RECORD_SIZE
//   -> sha256=<hex> first=<value>

import java.security.MessageDigest;
import java.util.SplittableRandom;

public final class PerfPayloads {
    public static void main(String[] args) throws Exception {
        long records = Long.parseLong(args[0]);
        int size = Integer.parseInt(args[1]);
        SplittableRandom random = new SplittableRandom(0);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] payload = new byte[size + 1];
        payload[size] = '\n';
        String first = null;
        for (long i = 0; i < records; i++) {
            for (int j = 0; j < size; j++) payload[j] = (byte) (random.nextInt(26) + 65);
            if (first == null) first = new String(payload, 0, size, "US-ASCII");
            sha.update(payload);
        }
        StringBuilder hex = new StringBuilder();
        for (byte b : sha.digest()) hex.append(String.format("%02x", b));
        System.out.println("sha256=" + hex + " first=" + first);
    }
}
