import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Leaks 1 MiB at a time, forever: `heap` (byte arrays) or `direct` (direct ByteBuffers). */
public class Leak {
    public static void main(String[] args) throws Exception {
        List<Object> keep = new ArrayList<>();
        boolean direct = args.length > 0 && args[0].equals("direct");
        for (int i = 0; ; i++) {
            if (direct) {
                ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
                for (int p = 0; p < b.capacity(); p += 4096) b.put(p, (byte) 1);
                keep.add(b);
            } else {
                byte[] b = new byte[1 << 20];
                for (int p = 0; p < b.length; p += 4096) b[p] = 1;
                keep.add(b);
            }
            if (i % 16 == 0) Thread.sleep(1);
        }
    }
}
