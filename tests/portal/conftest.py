"""Fixtures of the customer's side: a complaint's link as the customer gets it."""

import pytest
from django.core.cache import cache

from portal import selectors, services, tokens


def link_path(complaint) -> str:
    """The path of the complaint's active link (issued on first need, as a mail would)."""
    services.customer_links_ensure(complaint_ids=[complaint.pk])
    link = selectors.customer_link_active(complaint_id=complaint.pk)
    return f"/c/{tokens.token_for(link.key)}/"


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    cache.clear()


@pytest.fixture
def path_of():
    return link_path
