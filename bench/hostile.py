"""Resource figures for hostile inputs: wall time and peak RSS of `narrate script` (or a fetch) on each.

Each case runs in its own process (so peak RSS is that case's); the issue's bound is 30 s and 1 GB each,
and timeout + 2 s for the slow-drip server. Run: python bench/hostile.py
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).parent.parent


def measure(label: str, *args: str) -> None:
    started = time.monotonic()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", "from narrate.cli import main; main()", *args],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, err = child.communicate(timeout=300)
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    last = (err.strip().splitlines() or [""])[-1][:100]
    print(f"{label:34} exit {child.returncode}  {seconds:6.1f} s  peak RSS (max so far) {peak:6.0f} MB  {last}")


def slow_drip() -> str:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve() -> None:
        client, _ = server.accept()
        for byte in b"HTTP/1.1 200 OK\r\nX: " + b"a" * 10_000:
            time.sleep(1)
            client.sendall(bytes([byte]))

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{server.getsockname()[1]}/"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        words = ("The harbor council met again on Friday to discuss the ferry. " * 160_000)[:9_900_000]
        (tmp / "big.txt").write_text("Big Text\n\n" + words)
        (tmp / "run.txt").write_text("Run On\n\n" + " ".join(["word"] * 400_000))
        lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'] + [
            f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)},*{chr(97 + n)},*{chr(97 + n)},*{chr(97 + n)}]"
            for n in range(20)]
        (tmp / "bomb.md").write_text("---\n" + "\n".join(lines) + "\n---\n# T\n\nText.\n")
        os.mkfifo(tmp / "fifo.txt")
        measure("9.9 MB text", "script", str(tmp / "big.txt"))
        measure("2 MB paragraph, no punctuation", "script", str(tmp / "run.txt"))
        os.environ.update(NARRATE_MAX_CHARS="3000000", NARRATE_MAX_WORDS="500000")
        measure("2 MB paragraph, limits raised", "script", str(tmp / "run.txt"))
        del os.environ["NARRATE_MAX_CHARS"], os.environ["NARRATE_MAX_WORDS"]
        measure("YAML alias bomb", "script", str(tmp / "bomb.md"))
        measure("/dev/zero", "script", "/dev/zero")
        measure("FIFO", "script", str(tmp / "fifo.txt"))
        measure("slow drip, --timeout 5", "script", slow_drip(), "--allow-private", "--timeout", "5")


if __name__ == "__main__":
    main()
