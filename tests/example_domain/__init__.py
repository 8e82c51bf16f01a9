"""A small synced domain, as a new one is added: this folder, and one line in ``server/domains.py``
(here ``[*DOMAINS, TALLY_DOMAIN]``, the same list with it). The sync state machine
(``tests/sync``) runs on it, and ``tests/server/test_example_domain.py`` pushes, pulls and checks
its rule through the real app."""
