"""Source -> Article: readers that turn a text dump, an HTML page, Markdown or a URL into an Article."""
