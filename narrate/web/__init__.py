"""Published episodes -> the web: the player web component, the article page rewrite, embed snippets, the show
page (a view each feed renders after feed.xml) and ``narrate serve``."""
