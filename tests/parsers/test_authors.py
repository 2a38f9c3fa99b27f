"""parsers.authors.clean_authors: bylines as printed → clean person names."""
from __future__ import annotations

import pytest

from parsers.authors import clean_authors


@pytest.mark.parametrize(
    "byline, people",
    [
        ("By Jane Roe", ["Jane Roe"]),
        ("Por Juan Pérez y María López", ["Juan Pérez", "María López"]),
        ("Par Sophie Martin et Luc Bernard", ["Sophie Martin", "Luc Bernard"]),
        ("Von Anna Schmidt und Jonas Weber", ["Anna Schmidt", "Jonas Weber"]),
        ("By JANE ROE and JOHN DOE", ["Jane Roe", "John Doe"]),
        ("Jane Roe, John Doe", ["Jane Roe", "John Doe"]),
        ("Roe, Jane", ["Roe, Jane"]),  # an inverted name is one name
        ("By Jane Roe | Staff Writer", ["Jane Roe"]),
        ("Jane Roe, Senior Correspondent, The Daily Example", ["Jane Roe"]),
        ("By Jane Roe Updated March 28, 2025 3 Minute Read", ["Jane Roe"]),
        ("Por Alejandro Saldívar | Actualizado el 1 de abril", ["Alejandro Saldívar"]),
        ("Jane Roe jane.roe@example.com @janeroe", ["Jane Roe"]),
        ("Jane Roe, MD", ["Jane Roe"]),
        ("Héctor Garza Villarreal", ["Héctor Garza Villarreal"]),
        ("Ana de la Fuente", ["Ana de la Fuente"]),
        ("Escrito por Lucía Mendoza", ["Lucía Mendoza"]),
        ("TOM ROE, Example Auto Writer", ["Tom Roe"]),  # a later piece with a role is affiliation
        ("Sarah E. Needleman", ["Sarah E. Needleman"]),  # an initial's full stop is not a break
        ("Ana Roe. Example International", ["Ana Roe"]),
        ("Bradley M. Roe (https://example.org/~broe/)", ["Bradley M. Roe"]),  # URL in brackets
        ("史蒂文\n留言\n人氣", ["史蒂文"]),  # interface words next to a CJK byline are not names
    ],
)
def test_people(byline: str, people: list[str]) -> None:
    assert list(clean_authors(byline).people) == people


@pytest.mark.parametrize(
    "byline", ["Reuters", "By The Associated Press", "Redacción", "EFE", "Editorial Board", "Telegraph Sport", "Noticias Ejemplo"]
)
def test_organisations_are_not_people(byline: str) -> None:
    names = clean_authors(byline)
    assert names.people == ()
    assert names.organisations


def test_outlet_name_as_whole_byline_is_an_organisation() -> None:
    names = clean_authors("The Northern Ledger", ["The Northern Ledger"])
    assert names.people == () and names.organisations == ("The Northern Ledger",)


def test_wire_credit_next_to_a_person() -> None:
    names = clean_authors("By Lucía Mendoza | Harbor Wire", ["Harbor Wire"])
    assert names.people == ("Lucía Mendoza",)
    assert names.organisations == ("Harbor Wire",)


def test_duplicates_are_dropped_order_kept() -> None:
    names = clean_authors(["Jane Roe", "John Doe", "JANE ROE", "jane roe"])
    assert names.people == ("Jane Roe", "John Doe")


@pytest.mark.parametrize("junk", ["", "Staff", "Follow", "Admin", "The Water Cooler", "2025-03-28", "posted in world news", "Share this article"])
def test_junk_gives_nothing(junk: str) -> None:
    assert clean_authors(junk).people == ()


def test_none_and_non_strings() -> None:
    assert clean_authors(None).people == ()
    assert clean_authors([None, 3, "Jane Roe"]).people == ("Jane Roe",)  # type: ignore[list-item]


@pytest.mark.parametrize(
    "byline, people",
    [
        ("Por Juan Pérez en Washington", ["Juan Pérez"]),
        ("Jane Roe in Mexico City", ["Jane Roe"]),
        ("Mark Di Stefano", ["Mark Di Stefano"]),  # "Di" begins a surname, it is not "by"
        ("Ana da Silva", ["Ana da Silva"]),
    ],
)
def test_places_and_surname_particles(byline: str, people: list[str]) -> None:
    assert list(clean_authors(byline).people) == people
