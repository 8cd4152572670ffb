"""Places: a document's event locations kept compactly give back exactly the
Locations they were given, whatever their fields look like."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scheduleflow.server.core.model import Location, Places

fields = st.one_of(
    st.just(""),
    st.integers(min_value=0, max_value=10**7).map(lambda n: f"/events/{n}"),
    st.sampled_from(["/events/007", "/events/-1", "/events/", "/events/1/start", "/events/٣", "events[2].id"]),
    st.text(max_size=12),
)
locations = st.builds(
    Location,
    line=st.integers(min_value=0, max_value=2**40),
    column=st.integers(min_value=0, max_value=2**20),
    field=fields,
)


@given(st.lists(locations, max_size=40))
def test_places_give_back_every_location_as_given(given_locations: list[Location]) -> None:
    places = Places(given_locations)

    assert len(places) == len(given_locations)
    assert list(places) == given_locations
    assert [places[i] for i in range(-len(places), 0)] == given_locations
    assert places[1:3] == given_locations[1:3]
    assert places == Places(given_locations) == tuple(given_locations)
    assert places != (*given_locations, Location(line=1))


@given(st.lists(locations, max_size=20), st.sets(st.integers(min_value=0, max_value=25)))
def test_without_leaves_out_exactly_the_dropped_indexes(given_locations: list[Location], dropped: set[int]) -> None:
    kept = Places(given_locations).without(dropped)

    assert list(kept) == [where for i, where in enumerate(given_locations) if i not in dropped]
