"""The public /help page: lines to call now, per country, with honest marks, in Spanish or English."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from channels.help import tel_href


def country_section(page: str, code: str) -> str:
    start = page.index(f'id="country-{code}"')
    end = page.find("<section", start + 1)
    return page[start : end if end != -1 else len(page)]


def line_with(section: str, href: str) -> str:
    start = section.index(f'href="{href}"')
    end = section.find('<li class="line">', start)
    return section[start : end if end != -1 else len(section)]


def test_guatemala_110_and_mexico_088_in_spanish_by_default(client: FlaskClient) -> None:
    page = client.get("/help").get_data(as_text=True)
    assert '<html lang="es">' in page
    guatemala = country_section(page, "GT")
    assert 'href="tel:110"' in guatemala and "Llamar al 110" in guatemala
    # The directory says the 110 is free; whether it is anonymous or 24/7 is not known, and says so.
    assert re.search(r'data-mark="free">Sin costo: sí<', guatemala)
    assert re.search(r'data-mark="anonymous">Llamadas anónimas: no se sabe<', guatemala)
    assert "Información de 2017" in guatemala
    mexico = country_section(page, "MX")
    assert 'href="tel:088"' in mexico
    assert 'data-mark="free">Sin costo: no se sabe<' in line_with(mexico, "tel:088")
    # FEVIMTRA's service does not say it is free, but its number is printed as toll-free.
    assert 'data-mark="free">Sin costo: sí<' in line_with(mexico, "tel:8000085400")


def test_english_with_lang_en(client: FlaskClient) -> None:
    page = client.get("/help?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    guatemala = country_section(page, "GT")
    assert "Call 110" in guatemala and 'data-mark="free">Free of charge: yes<' in guatemala
    assert 'data-mark="always_open">Open 24/7: unknown<' in guatemala


def test_corett_countries_come_first(client: FlaskClient) -> None:
    page = client.get("/help?lang=en").get_data(as_text=True)
    order = re.findall(r'<section id="country-([A-Z]{2})"', page)
    corett = {"BZ", "CR", "SV", "GT", "HN", "NI", "PA", "MX", "DO"}
    first_other = next(i for i, code in enumerate(order) if code not in corett)
    assert all(code not in corett for code in order[first_other:])
    assert set(order[:first_other]) == corett


def test_tel_links_are_digits_only() -> None:
    assert tel_href("800 00 854 00", "voice") == "tel:8000085400"
    assert tel_href("800-4CTU", "voice") == "tel:8004288"
    assert tel_href("+1 202 555 0150", "sms") == "sms:+12025550150"


def test_an_incomplete_number_is_never_a_link(client: FlaskClient) -> None:
    mexico = country_section(client.get("/help").get_data(as_text=True), "MX")
    assert "1000-2000" in mexico
    assert "tel:10002000" not in mexico and 'href="tel:1000' not in mexico
    assert "no lo ofrecemos para marcar" in mexico


def test_names_and_descriptions_in_the_page_language_without_citations(client: FlaskClient) -> None:
    page = client.get("/help").get_data(as_text=True)
    guatemala = country_section(page, "GT")
    assert "Línea telefónica 110 para denunciar posibles casos de trata de personas" in guatemala
    assert "Número corto, directo, gratuito" in guatemala
    english = client.get("/help?lang=en").get_data(as_text=True)
    assert "Short number, direct, free of charge" in country_section(english, "GT")
    for text in (page, english):
        assert not re.search(r"\((?:[^()]*\b)?(?:S\d{3}|L\d+)\b[^()]*\)", text)


def test_every_corett_country_shows_what_the_seeds_give_or_says_there_is_none(client: FlaskClient) -> None:
    page = client.get("/help?lang=en").get_data(as_text=True)
    # Numberless channels the survey names (CR, HN, PA, DO) are listed as lines without a number.
    for code in ("CR", "PA", "DO"):
        section = country_section(page, code)
        assert "Our source names this line but gives no number." in section, code
        assert "We have no dedicated line for this country yet" in section, code
    # Belize's source gives the ministry's page; Nicaragua's gives nothing, and the page says so.
    belize = country_section(page, "BZ")
    assert 'href="http://humandevelopment.gov.bz/index.php/atips/"' in belize
    nicaragua = country_section(page, "NI")
    assert "We have no dedicated line for this country yet" in nicaragua
    assert 'class="line"' not in nicaragua


CORETT = ("BZ", "CR", "SV", "GT", "HN", "MX", "NI", "PA", "DO")


def test_corett_names_and_descriptions_in_french_portuguese_and_creole(client: FlaskClient) -> None:
    """Every name and description /help shows for the nine countries is in the reader's language."""
    expected = {
        "fr": ("Ligne téléphonique 110 pour signaler", "Police nationale civile", "Numéro court, direct, gratuit"),
        "pt": ("Linha telefônica 110 para denunciar", "Polícia Nacional Civil", "Número curto, direto, gratuito"),
        "ht": ("Liy telefòn 110 pou siyale", "Polis Nasyonal Sivil", "Nimewo kout, dirèk, gratis"),
    }
    for locale, (service, agency, description) in expected.items():
        page = client.get(f"/help?lang={locale}").get_data(as_text=True)
        guatemala = country_section(page, "GT")
        assert service in guatemala and agency in guatemala and description in guatemala, locale
        for code in CORETT:
            section = country_section(page, code)
            other = set(re.findall(r'<(?:strong|span|div|a)[^>]* lang="([a-z]{2})"', section)) - {locale}
            assert not other, (locale, code, other)
