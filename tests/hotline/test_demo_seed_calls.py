"""The demo seed gives the softphone what it needs to show every call feature: lines and one clearly
fictional interpreter desk, added only when the directory has none, and only once."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from directory.models import Agency, HotlineLine
from hotline.calls.conference import interpreters_for
from hotline.calls.models import VoiceCall
from hotline.demo import seed


def test_seeding_twice_adds_one_fictional_interpreter_desk_offered_in_every_language(app: Flask) -> None:
    with app.app_context(), app.extensions["database"].session() as session:
        seed(session)
        session.commit()
        seed(session)
        session.commit()
        [desk] = session.scalars(select(Agency).where(Agency.kind == "interpreter")).all()
        assert desk.provenance["demo"] is True and desk.phones[0].number.startswith("+1202555")
        assert session.scalar(select(func.count()).select_from(HotlineLine)) == 4
        for language in ("es", "en", "fr", "pt", "ht"):
            call = VoiceCall(call_sid="CA", language=language, country="GT")
            assert [line.agency_id for line in interpreters_for(session, call)] == ["demo-interpreters"]
