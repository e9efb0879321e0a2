"""Takes -> Programme -> bytes: assembly of the takes, production and loudness, encoding with its checks.

The arrow of the flow this package implements: the takes are stitched into one float programme with its
Timeline (``assemble``), mastered to the loudness target (``mastering``) and encoded to MP3 or M4A, the
encoded file measured again (``encode``); ``ffmpeg`` says which binary runs.
"""
