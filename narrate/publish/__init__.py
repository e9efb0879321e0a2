"""Publishing: episode records, audio files and the podcast feed of a feed directory."""
