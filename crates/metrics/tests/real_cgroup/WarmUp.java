// A JVM that warms up: it keeps a fixed-size cache (SLOTS x 1 MiB, replaced oldest first) and
// allocates steadily, so the heap fills up to -Xmx while GC runs and then stays there.
public class WarmUp {
    static final int SLOTS = 48;

    public static void main(String[] args) throws Exception {
        long end = System.currentTimeMillis() + Long.parseLong(args[0]);
        byte[][] cache = new byte[SLOTS][];
        long i = 0;
        while (System.currentTimeMillis() < end) {
            byte[] b = new byte[1 << 20];
            b[(int) (i % b.length)] = 1;
            cache[(int) (i % SLOTS)] = b;
            i++;
            Thread.sleep(20); // about 50 MiB/s: the heap fills over a few seconds
        }
        System.out.println("allocated " + i + " MiB, kept " + SLOTS);
    }
}
