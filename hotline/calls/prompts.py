"""What a caller hears around a live call (hold, after hours, call-back), in every hotline language.

Kept apart from the intake questions (hotline/conversations/prompts.py), which another flow owns;
spoken with the same voices (`TWILIO_VOICE`)."""

# ruff: noqa: E501  (prompts are sentences; they read better unbroken)

from __future__ import annotations

from hotline.conversations.prompts import language_of

CALL_PROMPTS: dict[str, dict[str, str]] = {
    "on_hold": {
        "es": "Por favor, espere un momento; seguimos con usted.",
        "en": "Please hold for a moment; we are still with you.",
        "fr": "Veuillez patienter un instant ; nous sommes toujours avec vous.",
        "pt": "Por favor, aguarde um momento; continuamos com você.",
        "ht": "Tanpri tann yon ti moman; nou toujou avè w.",
    },
    "after_hours": {
        "es": "Nuestro equipo atiende esta línea {hours}. Ahora estamos fuera de ese horario.",
        "en": "Our team answers this line {hours}. We are outside those hours now.",
        "fr": "Notre équipe répond sur cette ligne {hours}. Nous sommes en dehors de ces heures.",
        "pt": "A nossa equipe atende esta linha {hours}. Agora estamos fora desse horário.",
        "ht": "Ekip nou an reponn liy sa a {hours}. Kounye a nou an deyò lè sa yo.",
    },
    "choose_voicemail_or_callback": {
        "es": "Nadie ha podido atenderle todavía. Para dejar un mensaje, marque 1. Para que le llamemos a este número, marque 2.",
        "en": "No one has been able to answer yet. To leave a message, press 1. For us to call you back on this number, press 2.",
        "fr": "Personne n'a encore pu vous répondre. Pour laisser un message, tapez 1. Pour que nous vous rappelions à ce numéro, tapez 2.",
        "pt": "Ninguém conseguiu atender ainda. Para deixar uma mensagem, digite 1. Para ligarmos de volta para este número, digite 2.",
        "ht": "Pa gen pèsonn ki te ka reponn ou toujou. Pou kite yon mesaj, peze 1. Pou nou rele w tounen nan nimewo sa a, peze 2.",
    },
    "callback_consent": {
        "es": "Le llamaremos a este mismo número en las próximas {hours} horas. Guardaremos el número cifrado solo hasta entonces. Marque 1 para aceptar.",
        "en": "We will call you on this same number within {hours} hours. We keep the number encrypted only until then. Press 1 to agree.",
        "fr": "Nous vous rappellerons à ce même numéro dans les {hours} heures. Nous gardons le numéro chiffré seulement jusque-là. Tapez 1 pour accepter.",
        "pt": "Vamos ligar para este mesmo número nas próximas {hours} horas. Guardamos o número cifrado só até lá. Digite 1 para aceitar.",
        "ht": "N ap rele w nan menm nimewo sa a nan {hours} èdtan k ap vini yo. Nou kenbe nimewo a kode sèlman jiska lè sa a. Peze 1 pou dakò.",
    },
    "callback_booked": {
        "es": "Gracias. Le llamaremos pronto. Si está en peligro, llame a la línea de emergencia.",
        "en": "Thank you. We will call you soon. If you are in danger, call the emergency line.",
        "fr": "Merci. Nous vous rappellerons bientôt. Si vous êtes en danger, appelez la ligne d'urgence.",
        "pt": "Obrigado. Vamos ligar em breve. Se estiver em perigo, ligue para a linha de emergência.",
        "ht": "Mèsi. N ap rele w byento. Si ou an danje, rele liy ijans lan.",
    },
    "no_callback_number": {
        "es": "No podemos ver el número desde el que llama, así que no podemos devolverle la llamada.",
        "en": "We cannot see the number you are calling from, so we cannot call you back.",
        "fr": "Nous ne voyons pas le numéro d'où vous appelez, nous ne pouvons donc pas vous rappeler.",
        "pt": "Não conseguimos ver o número de onde você liga, por isso não podemos ligar de volta.",
        "ht": "Nou pa ka wè nimewo w ap rele a, kidonk nou pa ka rele w tounen.",
    },
    "calling_back": {
        "es": "Le llama la línea de ayuda que usted llamó, como lo pidió. Le comunicamos con una persona de nuestro equipo.",
        "en": "This is the helpline you called, calling you back as you asked. We are putting you through to a member of our team.",
        "fr": "Ici la ligne d'aide que vous avez appelée, qui vous rappelle comme demandé. Nous vous passons une personne de notre équipe.",
        "pt": "Aqui é a linha de ajuda para a qual você ligou, retornando como pediu. Vamos passar a ligação para uma pessoa da nossa equipe.",
        "ht": "Se liy èd ou te rele a k ap rele w tounen jan ou te mande a. N ap pase w bay yon moun nan ekip nou an.",
    },
    "hours_always": {
        "es": "las 24 horas",
        "en": "24 hours a day",
        "fr": "24 heures sur 24",
        "pt": "24 horas por dia",
        "ht": "24 èdtan sou 24",
    },
    "hours_from_to": {
        "es": "de {opens} a {closes}",
        "en": "from {opens} to {closes}",
        "fr": "de {opens} à {closes}",
        "pt": "das {opens} às {closes}",
        "ht": "depi {opens} rive {closes}",
    },
}


def call_prompt(name: str, language: str | None, **values: object) -> str:
    return CALL_PROMPTS[name][language_of(language)].format(**values)
