"""Many articles into one feed: the driver, the workers, the run journal and the Dask runner.

Batch is a driver over the one pipeline (``narrate.pipeline``): workers run its render half, the parent its
record half, so nothing about narrating an article is written twice.
"""
