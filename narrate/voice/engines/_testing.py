"""Test support: a tiny Coqui VITS model with random weights, built on the spot.

Coqui's zoo models are hundreds of MB and come from the network; this one is a few hundred kB, speaks
noise, and goes through exactly the loading and synthesis path of a real checkpoint. Tests and the
engine benchmark share it. Needs the ``coqui`` extra.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

TINY_VITS_SAMPLE_RATE = 16000
"""Rate of the tiny model's output, deliberately not Piper's 22050 so resampling gets exercised."""


@dataclass(frozen=True)
class TinyVits:
    """Where the tiny model was saved."""

    model_path: Path
    config_path: Path


def build_tiny_vits(
    directory: Path, seed: int = 0, speakers: tuple[str, ...] = (), languages: tuple[str, ...] = ()
) -> TinyVits:
    """Save a randomly initialised VITS checkpoint and its config.json under ``directory``.

    With ``speakers`` it is a multi-speaker model (a speaker embedding per name), with
    ``languages`` a multilingual one, as Coqui's VCTK and YourTTS checkpoints are.
    """
    import torch
    from TTS.tts.configs.shared_configs import CharactersConfig
    from TTS.tts.configs.vits_config import VitsArgs, VitsConfig
    from TTS.tts.models.vits import Vits

    fft_size = 256
    config = VitsConfig(
        run_name="narrate-tiny-vits",
        use_phonemes=False,
        text_cleaner="basic_cleaners",
        add_blank=True,
        characters=CharactersConfig(
            characters_class="TTS.tts.models.vits.VitsCharacters",
            pad="<PAD>",
            eos="<EOS>",
            bos="<BOS>",
            blank="<BLNK>",
            characters="abcdefghijklmnopqrstuvwxyz0123456789",
            punctuations="!'(),-.:;? ",
            phonemes="",
        ),
        model_args=VitsArgs(
            out_channels=fft_size // 2 + 1,
            hidden_channels=16,
            hidden_channels_ffn_text_encoder=32,
            num_heads_text_encoder=2,
            num_layers_text_encoder=1,
            num_layers_posterior_encoder=1,
            num_layers_flow=1,
            resblock_kernel_sizes_decoder=[3],
            resblock_dilation_sizes_decoder=[[1, 3, 5]],
            upsample_rates_decoder=[8, 4, 2],
            upsample_initial_channel_decoder=16,
            upsample_kernel_sizes_decoder=[16, 8, 4],
            init_discriminator=False,
            use_speaker_embedding=bool(speakers),
            speaker_embedding_channels=8,
            use_language_embedding=bool(languages),
        ),
        speakers=list(speakers),
        languages=list(languages),
    )
    config.audio.sample_rate = TINY_VITS_SAMPLE_RATE
    config.audio.fft_size = fft_size
    config.audio.win_length = fft_size
    config.audio.hop_length = 64
    torch.manual_seed(seed)
    model = Vits(config)
    directory.mkdir(parents=True, exist_ok=True)
    tiny = TinyVits(directory / "model.pth", directory / "config.json")
    torch.save({"model": model.state_dict(), "config": config.to_dict()}, tiny.model_path)
    config.save_json(str(tiny.config_path))
    return tiny
