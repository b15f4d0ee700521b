"""A throwaway database for a benchmark, on the server DATABASE_URL names."""

from contextlib import contextmanager


@contextmanager
def throwaway_database(name: str):
    """Django set up against a new, migrated database ``name``, dropped afterwards.

    Its own database, so a test run on the same server is unharmed.
    """
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import (
        setup_databases,
        setup_test_environment,
        teardown_databases,
        teardown_test_environment,
    )

    connection.settings_dict["TEST"]["NAME"] = name
    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        yield connection
    finally:
        teardown_databases(old_config, verbosity=0)
        teardown_test_environment()
