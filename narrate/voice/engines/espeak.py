"""eSpeak NG: a small formant synthesizer; robotic but fast, many languages, and a distinct second voice.

The library and its data come from the ``espeakng-loader`` wheel, so no system package is needed. It is
driven through ctypes in synchronous mode: ``espeak_Synth`` returns only when the whole sentence has
been handed to our callback as 16-bit samples. Its own copy of libespeak-ng keeps this state apart
from the eSpeak NG that Piper links statically for phonemes.

libespeak-ng keeps one voice, one set of parameters and one callback per process, so every call goes
through a single process-wide instance behind a lock.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import threading
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import ClassVar

import numpy as np

from narrate.errors import EngineError
from narrate.model import Audio
from narrate.voice.engines.base import Engine

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_PARAMETER_RATE = 1
_PARAMETER_PITCH = 3
_EE_OK = 0

_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


@dataclass(frozen=True)
class EspeakOptions:
    """Settings of the eSpeak NG engine."""

    voice: str = "en-us"
    """eSpeak NG voice name, optionally with a variant: "en-us", "en-gb", "de", "en-us+m3", "en+f2"."""
    rate: int = 175
    """Speaking rate in words per minute, 80 to 450."""
    pitch: int = 50
    """Base pitch, 0 to 100."""

    def __post_init__(self) -> None:
        if not self.voice or "\0" in self.voice:
            raise ValueError(f"voice must be an eSpeak NG voice name such as 'en-us', got {self.voice!r}")
        if not 80 <= self.rate <= 450:
            raise ValueError(f"rate must be 80 to 450 words per minute, got {self.rate}")
        if not 0 <= self.pitch <= 100:
            raise ValueError(f"pitch must be 0 to 100, got {self.pitch}")


class _Espeak:
    """The loaded library: initialised once, used under ``lock``."""

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as error:
            raise EngineError(
                "the espeak engine needs the espeakng-loader package: pip install espeakng-loader"
            ) from error
        self.library_path = Path(espeakng_loader.get_library_path())
        self.data_path = Path(espeakng_loader.get_data_path())
        self.lib = ctypes.CDLL(str(self.library_path))
        self._declare()
        self.lock = threading.Lock()
        self._chunks: list[np.ndarray] = []
        # Keep a reference: ctypes frees the trampoline when the Python object dies.
        self._callback = _SynthCallback(self._collect)
        rate = self.lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, str(self.data_path.parent).encode(), _INITIALIZE_DONT_EXIT
        )
        if rate <= 0:
            raise EngineError(f"eSpeak NG failed to initialise with data in {self.data_path}")
        self.sample_rate = int(rate)
        self.lib.espeak_SetSynthCallback(self._callback)
        self.version = self.lib.espeak_Info(None).decode()
        self.digest = self._digest()

    def _declare(self) -> None:
        lib = self.lib
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        lib.espeak_Info.restype = ctypes.c_char_p
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.argtypes = []
        lib.espeak_Synchronize.restype = ctypes.c_int

    def _digest(self) -> str:
        """sha256 over the library and every data file: phoneme tables, dictionaries and voices."""
        digest = hashlib.sha256()
        files = [self.library_path, *sorted(p for p in self.data_path.rglob("*") if p.is_file())]
        for path in files:
            digest.update(str(path.relative_to(self.data_path.parent)).encode() + b"\0")
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def _collect(self, samples: ctypes._Pointer[ctypes.c_short] | None, count: int, events: int) -> int:
        if samples and count > 0:
            self._chunks.append(np.ctypeslib.as_array(samples, shape=(count,)).copy())
        return 0

    def speak(self, text: str, options: EspeakOptions) -> Audio:
        with self.lock:
            if self.lib.espeak_SetVoiceByName(options.voice.encode()) != _EE_OK:
                raise EngineError(
                    f"eSpeak NG has no voice {options.voice!r}; use a language code such as 'en-us', "
                    "optionally with a variant such as 'en-us+m3'"
                )
            self.lib.espeak_SetParameter(_PARAMETER_RATE, options.rate, 0)
            self.lib.espeak_SetParameter(_PARAMETER_PITCH, options.pitch, 0)
            encoded = text.encode()
            buffer = ctypes.create_string_buffer(encoded)
            self._chunks = []
            status = self.lib.espeak_Synth(
                buffer, len(encoded) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            if status == _EE_OK:
                status = self.lib.espeak_Synchronize()
            chunks, self._chunks = self._chunks, []
        if status != _EE_OK:
            raise EngineError(f"eSpeak NG failed to speak {text[:40]!r} (error {status})")
        pcm = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        return Audio((pcm.astype(np.float32) / 32768.0), self.sample_rate)


_instance: _Espeak | None = None
_instance_lock = threading.Lock()


def _after_fork_in_child() -> None:
    # A child forked while another thread was speaking would inherit a lock nobody will release.
    global _instance_lock
    _instance_lock = threading.Lock()
    if _instance is not None:
        _instance.lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _espeak() -> _Espeak:
    global _instance
    with _instance_lock:
        if _instance is None:
            _instance = _Espeak()
        return _instance


class EspeakEngine(Engine):
    """eSpeak NG through the library bundled in the espeakng-loader wheel."""

    name: ClassVar[str] = "espeak"
    Options: ClassVar[type[EspeakOptions]] = EspeakOptions
    max_chars: ClassVar[int] = 1000

    def fingerprint(self, options: EspeakOptions) -> str:
        espeak = _espeak()
        return (
            f"espeak-ng {espeak.version}; espeakng-loader {version('espeakng-loader')}; "
            f"sha256 {espeak.digest}"
        )

    def synthesize(self, text: str, options: EspeakOptions) -> Audio:
        return _espeak().speak(text, options)
