# Grows one kind of memory at a time, on "next" from stdin, and says which it grew: anonymous
# memory, tmpfs (shmem), page cache, then kernel memory (socket pairs held open). Started inside
# a memory cgroup by crates/cli/tests/agent.rs; removes its files when stdin closes.
import os, socket, sys, tempfile

shm = "/dev/shm/oomdoc-agent-test-%d" % os.getpid()
disk = tempfile.NamedTemporaryFile(prefix="oomdoc-agent-test-", delete=False)
held = []

def stage(name):
    sys.stdout.write(name + "\n")
    sys.stdout.flush()
    return sys.stdin.readline() != ""

try:
    if stage("ready"):
        held.append(bytearray(48 << 20))
        for i in range(0, len(held[0]), 4096):
            held[0][i] = 1
    if stage("anon"):
        with open(shm, "wb") as f:
            f.write(b"s" * (32 << 20))
    if stage("shmem"):
        disk.write(b"f" * (32 << 20))
        disk.flush()
        with open(disk.name, "rb") as f:
            while f.read(1 << 20):
                pass
    if stage("file"):
        for _ in range(4000):
            held.append(socket.socketpair())
    stage("kernel")
finally:
    for p in (shm, disk.name):
        try:
            os.unlink(p)
        except OSError:
            pass
