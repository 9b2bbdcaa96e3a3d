"""The intake conversation run by the same engine: the caller hears every prompt in the language chosen."""

from __future__ import annotations

from datetime import timedelta

import pytest

from routing.flow_engine import Action, Event, Outcome, fire, start
from tests.flows.replay import STARTED_AT, flow_named

CONVERSATION = flow_named("intake_conversation")


def spoken(outcome: Outcome) -> list[str]:
    return [action.params["text"] for action in outcome.actions if action.kind in ("say", "ask", "give_reference")]


def converse(answers: list[str | None]) -> list[Outcome]:
    """Answer each prompt in turn; None lets the answer timer run out."""
    outcomes = [start(CONVERSATION, STARTED_AT)]
    for minute, answer in enumerate(answers, 1):
        event = Event("answer_timeout", "timer") if answer is None else Event("answer", "caller", {"text": answer})
        outcomes.append(fire(CONVERSATION, outcomes[-1].run, event, STARTED_AT + timedelta(minutes=minute)))
    return outcomes


@pytest.mark.parametrize(
    ("menu", "danger_words", "thanks_words"),
    [("1", "peligro", "Gracias"), ("2", "danger", "Thank you"), ("3", "danger en ce moment", "Merci")],
)
def test_a_whole_conversation_in_the_chosen_language(menu: str, danger_words: str, thanks_words: str) -> None:
    outcomes = converse([menu, "2", "Ciudad de Guatemala", "1", None, "2", "1", "2", "Nos quitaron los pasaportes."])
    assert "Para español, marque 1" in spoken(outcomes[0])[0]
    assert danger_words in spoken(outcomes[1])[0]
    final = outcomes[-1]
    assert final.run.ended and final.run.node == "done"
    assert thanks_words in spoken(final)[0] and "{reference}" in spoken(final)[1]
    assert {
        k: final.run.data.get(k, "?")
        for k in ("in_danger_now", "minor_involved", "movement_restricted", "documents_withheld")
        + ("share_authorities", "share_origin")
    } == {
        "in_danger_now": False,
        "minor_involved": True,
        "movement_restricted": "?",
        "documents_withheld": False,
        "share_authorities": True,
        "share_origin": False,
    }
    assert [step.node for step in final.run.path if step.event == "answer_timeout"] == ["ask_documents"]


@pytest.mark.parametrize(
    ("menu", "operator_words"), [("1", "una persona"), ("2", "member of our team"), ("3", "personne")]
)
def test_three_unusable_answers_hand_over_to_a_person(menu: str, operator_words: str) -> None:
    outcomes = converse([menu, "2", "Managua", "hola", "¿?", "ok"])
    repeated = [spoken(outcome) for outcome in outcomes[4:6]]
    assert repeated[0] == repeated[1] == spoken(outcomes[3])
    final = outcomes[-1]
    assert final.run.node == "operator_or_voicemail" and final.run.ended
    assert operator_words in spoken(final)[0]
    assert Action("hand_over", "operator_or_voicemail", {"to": "operator", "fallback": "voicemail"}) in final.actions


def test_every_wait_of_the_conversation_has_a_timeout_and_a_way_to_a_person() -> None:
    for node in CONVERSATION.nodes.values():
        if node.type == "wait":
            assert any(t.timer for t in node.transitions), node.id
            assert node.retry is not None and node.retry.to == "operator_or_voicemail", node.id


def test_consent_is_asked_after_the_safety_questions_and_never_on_the_danger_path() -> None:
    calm = converse(["1", "no", "Ciudad de Guatemala", "no", "no", "no"])
    assert calm[-1].run.node == "ask_share_authorities"
    assert "autoridades del país donde está pasando" in spoken(calm[-1])[0]
    assert "denuncia" not in spoken(calm[-1])[0].lower()
    origin = fire(CONVERSATION, calm[-1].run, Event("answer", "caller", {"text": "sí"}), STARTED_AT)
    assert origin.run.node == "ask_share_origin" and origin.run.data["share_authorities"] is True
    # Silence keeps the policy's default ("not asked"): nothing is recorded for the question.
    story = fire(CONVERSATION, origin.run, Event("answer_timeout", "timer"), STARTED_AT)
    assert story.run.node == "ask_narrative" and "share_origin" not in story.run.data

    danger = converse(["2", "yes", "Belize City"])
    assert danger[-1].run.node == "operator_or_voicemail"
    assert not any(step.node.startswith("ask_share") for step in danger[-1].run.path)


def test_the_chat_reads_each_choice_question_without_keys_to_press() -> None:
    for outcome in converse(["3", "non", "Managua", "non", "oui", "oui", "non"]):
        for action in outcome.actions:
            if action.kind == "ask" and "chat" in action.params:
                assert "(1)" not in action.params["chat"] and "tapez" not in action.params["chat"]
                assert action.params["chat"] in action.params["text"] or action.node == "choose_language"
