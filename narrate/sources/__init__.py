"""Readers that turn an input (text dump, HTML, Markdown, URL) into an :class:`~narrate.model.Article`."""
