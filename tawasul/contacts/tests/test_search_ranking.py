"""Search ranks its matches: an exact name first, then names that start with the words, then
names with a word that does, then the rest (matched in codes, phones, e-mails...)."""

import pytest

from tawasul.contacts.tests.factories import make_contact

pytestmark = pytest.mark.django_db

ORDER = [
    "Bayan",  # the name itself
    "Bayan Trading Est.",  # starts with it
    "Al Bayan Hotels Co.",  # a word starts with it
    "Rawabi Supplies",  # only its e-mail holds the word
]


@pytest.fixture
def contacts(company, customer_type):
    # Alphabetical order would put the exact match last but one.
    make_contact(
        company=company,
        contact_type=customer_type,
        name="Rawabi Supplies",
        emails=[{"kind": "work", "address": "bayan@rawabi.example"}],
    )
    for name in ["Bayan Trading Est.", "Al Bayan Hotels Co.", "Bayan"]:
        make_contact(company=company, contact_type=customer_type, name=name)
    for n in range(30):  # unrelated contacts, filling pages before the matches alphabetically
        make_contact(company=company, contact_type=customer_type, name=f"Aaron {n:02d}")


def test_list_page_shows_best_matches_first(contacts, client, staff_user):
    client.force_login(staff_user)
    response = client.get("/contacts/", {"q": "bayan"})
    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(name) for name in ORDER]
    assert positions == sorted(positions)


def test_a_chosen_sort_wins_over_ranking(contacts, client, staff_user):
    client.force_login(staff_user)
    html = client.get("/contacts/", {"q": "bayan", "sort": "name"}).content.decode()
    positions = [html.index(name) for name in sorted(ORDER)]
    assert positions == sorted(positions)


def test_api_ranks_unless_ordering_is_given(contacts, api_client):
    ranked = api_client.get("/api/contacts/", {"q": "bayan"}).json()["results"]
    assert [c["name"] for c in ranked] == ORDER
    by_name = api_client.get("/api/contacts/", {"q": "bayan", "ordering": "name"}).json()
    assert [c["name"] for c in by_name["results"]] == sorted(ORDER)


def test_ranked_pages_return_every_match_once(contacts, api_client):
    seen, url, params = [], "/api/contacts/", {"q": "bayan", "page_size": 1}
    while url:
        body = api_client.get(url, params).json()
        seen += [c["name"] for c in body["results"]]
        url, params = body["next"], None
    assert seen == ORDER


def test_global_search_ranks_too(contacts, staff_user):
    from tawasul.contacts.selectors import contact_search

    assert [c.name for c in contact_search(user=staff_user, query="bayan")] == ORDER
    two_words = contact_search(user=staff_user, query="BAYAN  trading")
    assert [c.name for c in two_words] == ["Bayan Trading Est."]
