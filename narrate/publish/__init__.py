"""Encoded audio -> files, records and feed.xml: the last arrow of the flow, into a published feed.

A feed folder is opened once into a ``Feed`` value (settings, episode records, media location); every file
it writes goes through one place; feed.xml is built with feedgen; ``validate`` checks it as apps will.
"""
