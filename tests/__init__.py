"""narrate\x27s test suite (a regular package, so it is not shadowed by the `tests` package NeMo installs)."""
